import Testing
import TollgateJSON
@testable import TollgateMCP

struct MCPRefusalTests {
    /// Each reason answers with its documented JSON-RPC code.
    @Test func codes() {
        let expected: [(MCPRefusal.Reason, Int)] = [
            (.serverNotAllowed, -32040), (.toolNotAllowed, -32040), (.argumentsTooLarge, -32041), (.rateLimited, -32042),
            (.budgetExhausted, -32042), (.loopDetected, -32043), (.unknownTool, -32602), (.noUpstreamSession, -32044),
        ]
        for (reason, code) in expected { #expect(reason.code == code, "\(reason)") }
    }

    /// The error keeps the request's id and says why in `data`.
    @Test func response() {
        let r = MCPRefusal(.noUpstreamSession, policy: "default", server: "beta", tool: "add", message: "list first")
        let v = r.response(id: .string("req-7"))
        #expect(v["id"] == .string("req-7"))
        #expect(v["error"]?["code"] == .number("-32044"))
        #expect(v["error"]?["data"]?["reason"] == .string("no_upstream_session"))
        #expect(v["error"]?["data"]?["server"] == .string("beta") && v["error"]?["data"]?["retry_after_seconds"] == nil)
    }
}

import Testing
import TollgateJSON
@testable import TollgateMCP

struct MCPHeadersTests {
    /// Plain ASCII stays as is; anything else travels base64-wrapped and decodes back.
    @Test func headerValueCodec() {
        #expect(MCPHeaders.encode("docs_search") == "docs_search")
        let odd = ["héllo", " lead", "trail ", "line\nbreak", "=?base64?x?="]
        for v in odd {
            let e = MCPHeaders.encode(v)
            #expect(e.hasPrefix("=?base64?"), "\(v)")
            #expect(MCPHeaders.decode(e) == v)
        }
        #expect(MCPHeaders.encode("héllo") == "=?base64?aMOpbGxv?=")
        #expect(MCPHeaders.decode("=?base64?!!!?=") == nil)
        // Non-canonical padding bits are refused, as the SDK does.
        #expect(MCPHeaders.decode("=?base64?YR==?=") == nil)
    }

    /// The protocol version header picks the revision; absent is the handshake era.
    @Test func revision() {
        #expect(MCPRevision(header: nil) == .handshake("2025-11-25"))
        #expect(MCPRevision(header: "2025-06-18") == .handshake("2025-06-18"))
        #expect(MCPRevision(header: "2026-07-28").isPerRequest)
    }

    /// Method facts: which member Mcp-Name mirrors.
    @Test func methods() {
        #expect(MCPMethod.nameParameterKey("tools/call") == "name")
        #expect(MCPMethod.nameParameterKey("resources/read") == "uri")
        #expect(MCPMethod.nameParameterKey("tools/list") == nil)
        #expect(MCPMethod.isNotification("notifications/initialized"))
    }

    /// Outcomes: result ok, isError and JSON-RPC errors are errors, other ids are not ours.
    @Test func outcomes() throws {
        let ok = try JSONValue(parsing: #"{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"#)
        let toolErr = try JSONValue(parsing: #"{"jsonrpc":"2.0","id":1,"result":{"isError":true}}"#)
        let rpcErr = try JSONValue(parsing: #"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"x"}}"#)
        #expect(MCPCallOutcome.classify(ok, id: .number("1"))?.status == .ok)
        #expect(MCPCallOutcome.classify(toolErr, id: .number("1"))?.status == .error)
        #expect(MCPCallOutcome.classify(rpcErr, id: .number("1"))?.detail == "jsonrpc_error -32602")
        #expect(MCPCallOutcome.classify(ok, id: .number("2")) == nil)
    }

    /// An audit line is one JSON object with the fields the docs name.
    @Test func auditLine() throws {
        let r = MCPAuditRecord(timeMillis: 1, requestID: "0-1", agent: "planner", keyID: "k", team: nil, policy: "p",
                               server: "docs", tool: "search", argumentDigest: "sha256:x", argumentBytes: 3, status: .refused,
                               detail: "loop_detected", durationMillis: 1.5, responseBytes: 0)
        let line = r.jsonLine()
        #expect(line.last == 0x0A)
        let v = try JSONValue(parsing: Array(line.dropLast()))
        #expect(v["agent"] == .string("planner") && v["team"] == .null && v["status"] == .string("refused"))
        #expect(v["duration_ms"]?.doubleValue == 1.5)
    }
}

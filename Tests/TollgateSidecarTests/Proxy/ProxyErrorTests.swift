import Foundation
import Testing
@testable import TollgateSidecar

struct ProxyErrorTests {
    /// OpenAI-style errors have message, type and code, and a matching Content-Length.
    @Test func openAIShape() throws {
        let (head, body) = ProxyError.upstreamUnavailable("connect refused \"x\"").response(for: .openAI)
        #expect(head.status == 502)
        #expect(head.headers["content-length"] == String(body.count))
        let obj = try JSONSerialization.jsonObject(with: Data(body)) as! [String: Any]
        let err = obj["error"] as! [String: Any]
        #expect(err["code"] as? String == "upstream_unavailable")
        #expect(err["type"] as? String == "upstream_error")
        #expect((err["message"] as? String)?.contains("\"x\"") == true)
    }

    /// Anthropic callers get Anthropic's error envelope; MCP callers a JSON-RPC error.
    @Test func dialects() throws {
        #expect(APIDialect.forPath("/v1/messages") == .anthropic)
        #expect(APIDialect.forPath("/v1/messages/count_tokens") == .anthropic)
        #expect(APIDialect.forPath("/mcp/docs") == .mcp)
        #expect(APIDialect.forPath("/v1/chat/completions") == .openAI)
        let (_, a) = ProxyError.upstreamTimeout("slow").response(for: .anthropic)
        let ao = try JSONSerialization.jsonObject(with: Data(a)) as! [String: Any]
        #expect(ao["type"] as? String == "error")
        #expect((ao["error"] as! [String: Any])["type"] as? String == "api_error")
        let (_, m) = ProxyError.badRequest(400, code: "bad", "nope").response(for: .mcp)
        let mo = try JSONSerialization.jsonObject(with: Data(m)) as! [String: Any]
        #expect(mo["jsonrpc"] as? String == "2.0")
        #expect((mo["error"] as! [String: Any])["code"] as? Int == -32600)
    }

    /// Control characters are escaped so the body stays valid JSON.
    @Test func escaping() {
        #expect(JSONText.quote("a\u{1}b\n") == "\"a\\u0001b\\n\"")
    }
}

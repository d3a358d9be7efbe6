import Testing
import TollgateHTTP
@testable import TollgateSidecar

struct ProxyHeadersTests {
    /// Hop-by-hop fields and those named in Connection are dropped; Host is rewritten; X-Forwarded-For is appended.
    @Test func upstreamRequestRewrite() throws {
        let head = HTTPRequestHead(method: "POST", target: "/chat?x=1", headers: [
            "Host": "localhost:8787", "Connection": "keep-alive, X-Secret-Hop", "X-Secret-Hop": "1",
            "Keep-Alive": "timeout=5", "Transfer-Encoding": "chunked", "TE": "trailers", "Upgrade": "h2c",
            "Expect": "100-continue", "traceparent": "00-abc-def-01", "X-Forwarded-For": "10.0.0.1",
            "Authorization": "Bearer sk-1",
        ])
        let target = try UpstreamTarget(parsing: "https://api.example.com/base")
        let up = ProxyHeaders.upstreamRequest(from: head, target: target, clientIP: "127.0.0.1", downstreamTLS: false, bodyLength: 12)
        #expect(up.target == "/base/chat?x=1")
        #expect(up.headers["host"] == "api.example.com")
        for name in ["connection", "x-secret-hop", "keep-alive", "transfer-encoding", "te", "upgrade", "expect"] {
            #expect(up.headers[name] == nil, "\(name) must not be forwarded")
        }
        #expect(up.headers["traceparent"] == "00-abc-def-01")
        #expect(up.headers["authorization"] == "Bearer sk-1")
        #expect(up.headers["x-forwarded-for"] == "10.0.0.1, 127.0.0.1")
        #expect(up.headers["x-forwarded-proto"] == "http")
        #expect(up.headers["x-forwarded-host"] == "localhost:8787")
        #expect(up.headers["content-length"] == "12")
    }

    /// Responses lose hop-by-hop fields but keep the rest in order.
    @Test func downstreamResponseRewrite() {
        let head = HTTPResponseHead(status: 200, headers: ["Content-Type": "text/event-stream", "Connection": "close", "Transfer-Encoding": "chunked", "X-A": "1"])
        let out = ProxyHeaders.downstreamResponse(from: head)
        #expect(out.headers.fields.map(\.name) == ["Content-Type", "X-A"])
    }

    /// Connection: keep-alive (only hop-by-hop names) drops the fixed list and keeps every other field.
    @Test func downstreamResponseKeepAliveKeepsOthers() {
        let head = HTTPResponseHead(status: 200, headers: ["Content-Type": "application/json", "Connection": "Keep-Alive", "Keep-Alive": "timeout=5", "Close": "x", "X-A": "1"])
        let out = ProxyHeaders.downstreamResponse(from: head)
        #expect(out.headers.fields.map(\.name) == ["Content-Type", "Close", "X-A"])
    }

    /// A name listed beside keep-alive in Connection is dropped too, whatever its case.
    @Test func downstreamResponseDropsListedNames() {
        let head = HTTPResponseHead(status: 200, headers: ["Connection": "keep-alive, X-Hop", "x-hop": "1", "Close": "x", "X-A": "1"])
        let out = ProxyHeaders.downstreamResponse(from: head)
        #expect(out.headers.fields.map(\.name) == ["Close", "X-A"])
        let closing = ProxyHeaders.downstreamResponse(from: HTTPResponseHead(status: 200, headers: ["Connection": "close", "Close": "x", "X-A": "1"]))
        #expect(closing.headers.fields.map(\.name) == ["X-A"])
    }
}

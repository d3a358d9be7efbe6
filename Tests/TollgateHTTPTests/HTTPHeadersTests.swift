import Testing
@testable import TollgateHTTP

struct HTTPHeadersTests {
    /// Lookups ignore ASCII case and return the first value.
    @Test func caseInsensitiveLookup() {
        var h = HTTPHeaders()
        h.add("Content-Type", "application/json")
        h.add("X-A", "1")
        h.add("x-a", "2")
        #expect(h["content-type"] == "application/json")
        #expect(h.values("X-A") == ["1", "2"])
        h.set("X-a", "3")
        #expect(h.values("x-a") == ["3"])
        h.remove("CONTENT-TYPE")
        #expect(h["content-type"] == nil)
    }

    /// Connection tokens are split, trimmed and lowercased.
    @Test func tokens() {
        let h: HTTPHeaders = ["Connection": "Keep-Alive, Upgrade ", "connection": "x-foo"]
        #expect(h.tokens("connection") == ["keep-alive", "upgrade", "x-foo"])
    }

    /// HTTP/1.0 defaults to close, HTTP/1.1 to keep-alive.
    @Test func keepAlive() {
        #expect(HTTPRequestHead(method: "GET", target: "/", version: .http1_1).isKeepAlive)
        #expect(!HTTPRequestHead(method: "GET", target: "/", version: .http1_0).isKeepAlive)
        #expect(!HTTPRequestHead(method: "GET", target: "/", headers: ["Connection": "close"]).isKeepAlive)
    }
}

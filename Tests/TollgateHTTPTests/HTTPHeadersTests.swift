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

struct HTTPHeadersBytesTests {
    /// Fields added as bytes read back as Strings, in order, case kept.
    @Test func bytesRoundTrip() {
        var h = HTTPHeaders()
        Array("Content-Type".utf8).withUnsafeBytes { n in Array("text/plain".utf8).withUnsafeBytes { v in h.add(name: n, value: v) } }
        h.add("X-B", "2")
        #expect(h.fields.map(\.name) == ["Content-Type", "X-B"])
        #expect(h["content-type"] == "text/plain")
        #expect(h == ["Content-Type": "text/plain", "X-B": "2"])
    }

    /// The wire form is name: value CRLF per field, in order, and its size is exact.
    @Test func wireForm() {
        var h: HTTPHeaders = ["A": "1", "Bb": ""]
        h.set("a", "xyz")
        var out: [UInt8] = Array("pre".utf8)
        HTTP1Serializer.appendFields(h, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "preA: xyz\r\nBb: \r\n")
        #expect(h.wireSize == out.count - 3)
    }

    /// Copying a field by index (and renamed) copies its bytes, not a reference to the source.
    @Test func copyFields() {
        var src: HTTPHeaders = ["Host": "example.com", "X": "1"]
        var dst = HTTPHeaders()
        dst.add(fieldAt: 1, of: src)
        dst.add(fieldAt: 0, of: src, renamedTo: "x-forwarded-host")
        src.set("X", "changed")
        #expect(dst.fields.map { "\($0.name)=\($0.value)" } == ["X=1", "x-forwarded-host=example.com"])
    }

    /// Removing by name bytes keeps the order of the rest; set keeps the first place.
    @Test func removeAndSet() {
        var h: HTTPHeaders = ["A": "1", "Authorization": "secret", "B": "2", "a": "3"]
        h.removeAll(whereName: { asciiEqualsLowercase($0, "authorization") })
        #expect(h.fields.map(\.name) == ["A", "B", "a"])
        h.set("A", "9")
        #expect(h.fields.map { "\($0.name)=\($0.value)" } == ["A=9", "B=2"])
        #expect(h.hasToken("a", "9"))
    }
}

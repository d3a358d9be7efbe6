import Testing
@testable import TollgateHTTP

struct HTTP1SerializerTests {
    /// Request heads serialize to the exact RFC 9112 layout.
    @Test func requestHead() {
        var out: [UInt8] = []
        HTTP1Serializer.appendRequestHead(HTTPRequestHead(method: "POST", target: "/v1/chat", headers: ["Host": "a", "Content-Length": "2"]), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "POST /v1/chat HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n")
        out = []
        HTTP1Serializer.appendRequestHead(HTTPRequestHead(method: "GET", target: "/", version: .http1_0), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "GET / HTTP/1.0\r\n\r\n")
    }

    /// Response heads serialize with status, reason (SP kept when empty) and fields.
    @Test func responseHead() {
        var out: [UInt8] = []
        HTTP1Serializer.appendResponseHead(HTTPResponseHead(status: 200, headers: ["Content-Type": "text/event-stream"]), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
        out = []
        HTTP1Serializer.appendResponseHead(HTTPResponseHead(status: 299, reason: ""), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "HTTP/1.1 299 \r\n\r\n")
    }

    /// Chunks are hex-sized; empty input writes nothing; the last chunk carries trailers.
    @Test func chunks() {
        var out: [UInt8] = []
        let data = [UInt8](repeating: 0x61, count: 300)
        data.withUnsafeBytes { HTTP1Serializer.appendChunk($0, to: &out) }
        #expect(out.prefix(5) == bytes("12c\r\n")[...])
        #expect(out.count == 5 + 300 + 2)
        let before = out.count
        [UInt8]().withUnsafeBytes { HTTP1Serializer.appendChunk($0, to: &out) }
        #expect(out.count == before)
        out = []
        bytes("x").withUnsafeBytes { HTTP1Serializer.appendChunk($0, to: &out) }
        HTTP1Serializer.appendLastChunk(trailers: nil, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "1\r\nx\r\n0\r\n\r\n")
        out = []
        HTTP1Serializer.appendLastChunk(trailers: ["X-T": "1"], to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "0\r\nX-T: 1\r\n\r\n")
    }

    /// Hex sizes are right at digit boundaries.
    @Test func hexSizes() {
        for (n, hex) in [(1, "1"), (15, "f"), (16, "10"), (255, "ff"), (256, "100"), (65536, "10000")] {
            var out: [UInt8] = []
            HTTP1Serializer.appendHex(n, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == hex)
        }
    }

    /// A serialized chunked request parses back to the same head, body and trailers.
    @Test func chunkedRoundTrip() {
        var out: [UInt8] = []
        let head = HTTPRequestHead(method: "POST", target: "/mcp", headers: ["Host": "tools", "Transfer-Encoding": "chunked"])
        HTTP1Serializer.appendRequestHead(head, to: &out)
        for piece in ["{\"jsonrpc\":", "\"2.0\"}", String(repeating: " ", count: 1000)] {
            bytes(piece).withUnsafeBytes { HTTP1Serializer.appendChunk($0, to: &out) }
        }
        HTTP1Serializer.appendLastChunk(trailers: ["X-Done": "yes"], to: &out)
        let run = parseRequests(out)
        #expect(run.error == nil)
        #expect(run.events == [
            .req(head, .chunked),
            .body(bytes("{\"jsonrpc\":\"2.0\"}" + String(repeating: " ", count: 1000))),
            .trailers(["X-Done": "yes"]),
            .end,
        ])
    }

    /// A serialized response parses back equal.
    @Test func responseRoundTrip() {
        var out: [UInt8] = []
        let head = HTTPResponseHead(status: 201, headers: ["Content-Length": "3", "X-Y": "z"])
        HTTP1Serializer.appendResponseHead(head, to: &out)
        out += bytes("abc")
        var p = HTTP1ResponseParser()
        let run = drive(&p, out, cuts: [7, 30])
        #expect(run.events == [.resp(head, .contentLength(3)), .body(bytes("abc")), .end])
    }
}

/// The serializer's direct paths (extra fields written after a head's own, a forced version)
/// against the old way: the fields added to a copy of the head, then serialized.
struct HTTP1SerializerExtraFieldTests {
    static let extras: [HTTP1Serializer.ExtraField?] = [nil, ("content-length", "0"), ("transfer-encoding", "chunked"),
                                                         ("connection", "close"), ("connection", "keep-alive")]

    static func headers(_ r: inout TestLCG) -> HTTPHeaders {
        HTTPHeadersForwardingTests.headers(&r)
    }

    /// Request heads with an extra field equal the head with that field added, over generated heads.
    @Test func requestExtraMatchesAddedField() {
        var r = TestLCG(state: 11)
        for _ in 0..<2_000 {
            var head = HTTPRequestHead(method: r.pick(["GET", "POST", "PATCH", "M"]), target: r.pick(["/", "/v1/chat?x=1", "*"]),
                                       version: r.below(2) == 0 ? .http1_1 : .http1_0, headers: Self.headers(&r))
            let extra = r.pick(Self.extras)
            var fast: [UInt8] = []
            HTTP1Serializer.withRequestHead(head, extra: extra) { fast.append(contentsOf: $0) }
            if let extra { head.headers.add(extra.name.description, extra.value.description) }
            var ref: [UInt8] = []
            HTTP1Serializer.appendRequestHead(head, to: &ref)
            #expect(fast == ref)
        }
    }

    /// Response heads with a forced version and two extra fields equal the old mutation of a copy.
    @Test func responseExtrasMatchAddedFields() {
        var r = TestLCG(state: 12)
        for _ in 0..<2_000 {
            var head = HTTPResponseHead(status: r.pick([200, 204, 404, 299, 101]), reason: r.pick([nil, "", "Fine"]),
                                        version: r.pick([.http1_0, .http1_1, .http2]), headers: Self.headers(&r))
            let e1 = r.pick(Self.extras), e2 = r.pick(Self.extras)
            var fast: [UInt8] = []
            HTTP1Serializer.withResponseHead(head, version: .http1_1, extra: e1, extra2: e2) { fast.append(contentsOf: $0) }
            head.version = .http1_1
            if let e1 { head.headers.add(e1.name.description, e1.value.description) }
            if let e2 { head.headers.add(e2.name.description, e2.value.description) }
            var ref: [UInt8] = []
            HTTP1Serializer.appendResponseHead(head, to: &ref)
            #expect(fast == ref)
        }
    }
}

import Testing
import TollgateHTTP
@testable import TollgateHTTP2

struct HTTP2WireTests {
    /// A server session driven by hand-built frames (preface, SETTINGS, HEADERS with HPACK literals) answers with the expected frames.
    @Test func rawFramesToServer() throws {
        let server = HTTP2Session(role: .server)
        let d = RecordingDelegate()
        server.delegate = d
        d.onRequest = { session, _, id, _ in
            session.sendResponseHead(HTTPResponseHead(status: 200, headers: ["content-type": "text/plain"]), streamID: id, endStream: false)
            session.sendData(Array("hi".utf8), streamID: id, endStream: true)
        }
        var block: [UInt8] = [0x82, 0x86, 0x84]                          // :method GET, :scheme http, :path / (static table)
        block += [0x41, 0x0b] + Array("example.com".utf8)                 // :authority, literal with incremental indexing
        block += [0x40, 0x06] + Array("x-test".utf8) + [0x03] + Array("raw".utf8)  // new name, literal
        let input = clientPreface + frame(type: 0x4, flags: 0, stream: 0, []) + frame(type: 0x1, flags: 0x5, stream: 1, block)
        try server.receive(input)

        let req = try #require(d.requests.first)
        #expect(req.id == 1)
        #expect(req.head.method == "GET")
        #expect(req.head.target == "/")
        #expect(req.scheme == "http")
        #expect(req.head.headers.fields.map(\.name) == ["host", "x-test"])
        #expect(req.head.headers["host"] == "example.com")
        #expect(req.head.headers["x-test"] == "raw")
        #expect(req.endStream)

        var out: [UInt8] = []
        try server.takeOutput(into: &out)
        let frames = parseFrames(out)
        // Control frames first (SETTINGS, its ACK for the client's, the connection WINDOW_UPDATE), then the response.
        #expect(frames.map(\.type).sorted() == [0x0, 0x1, 0x4, 0x4, 0x8])
        #expect(Array(frames.map(\.type).suffix(2)) == [0x1, 0x0])

        // Our SETTINGS: the advertised values, as 6-byte entries.
        let settings = try #require(frames.first { $0.type == 0x4 && $0.flags == 0 })
        var values: [UInt16: UInt32] = [:]
        for i in stride(from: 0, to: settings.payload.count - 5, by: 6) {
            values[UInt16(settings.payload[i]) << 8 | UInt16(settings.payload[i + 1])] = be32(settings.payload, i + 2)
        }
        #expect(values == [0x3: 256, 0x4: 1 << 20, 0x5: 16384, 0x6: 65536])
        #expect(frames.contains { $0.type == 0x4 && $0.flags == 0x1 && $0.payload.isEmpty })  // SETTINGS ACK
        // The connection window is raised to 16 MiB on stream 0.
        let update = try #require(frames.first { $0.type == 0x8 })
        #expect(update.streamID == 0 && update.payload.count == 4)
        #expect(update.payload.count == 4 && be32(update.payload, 0) == (1 << 24) - 65535)
        // HEADERS: END_HEADERS, :status 200 as static index 8; then DATA with END_STREAM.
        let headers = try #require(frames.first { $0.type == 0x1 })
        #expect(headers.streamID == 1 && headers.flags == 0x4)
        #expect(headers.payload.first == 0x88)
        let data = try #require(frames.first { $0.type == 0x0 })
        #expect(data.streamID == 1 && data.flags == 0x1)
        #expect(data.payload == Array("hi".utf8))
        #expect(d.closes(1) == [.noError])
    }

    /// The client begins with the preface and its SETTINGS, which disable push.
    /// A Host field sent beside :authority is dropped (:authority is the host, first); other fields keep their order and cookie crumbs are joined last.
    @Test func authorityReplacesHostField() throws {
        let server = HTTP2Session(role: .server)
        let d = RecordingDelegate()
        server.delegate = d
        var block: [UInt8] = [0x83, 0x86]                                 // :method POST, :scheme http
        block += [0x44, 0x04] + Array("/v1x".utf8)                         // :path, literal
        block += [0x41, 0x06] + Array("a.test".utf8)                       // :authority
        block += [0x40, 0x03] + Array("x-a".utf8) + [0x01] + Array("1".utf8)
        block += [0x40, 0x04] + Array("host".utf8) + [0x06] + Array("b.test".utf8)
        block += [0x40, 0x06] + Array("cookie".utf8) + [0x03] + Array("c=1".utf8)
        block += [0x40, 0x03] + Array("x-b".utf8) + [0x01] + Array("2".utf8)
        block += [0x40, 0x06] + Array("cookie".utf8) + [0x03] + Array("d=2".utf8)
        let input = clientPreface + frame(type: 0x4, flags: 0, stream: 0, []) + frame(type: 0x1, flags: 0x5, stream: 1, block)
        try server.receive(input)

        let req = try #require(d.requests.first)
        #expect(req.head.method == "POST")
        #expect(req.head.target == "/v1x")
        #expect(req.head.headers.fields.map(\.name) == ["host", "x-a", "x-b", "cookie"])
        #expect(req.head.headers["host"] == "a.test")
        #expect(req.head.headers["cookie"] == "c=1; d=2")
    }

    @Test func clientPrefaceAndSettings() throws {
        let client = HTTP2Session(role: .client)
        #expect(client.wantsWrite)
        var out: [UInt8] = []
        try client.takeOutput(into: &out)
        #expect(Array(out.prefix(24)) == clientPreface)
        let frames = parseFrames(Array(out.dropFirst(24)))
        #expect(frames.first?.type == 0x4)
        let payload = frames.first?.payload ?? []
        let ids = stride(from: 0, to: payload.count, by: 6).map { UInt16(payload[$0]) << 8 | UInt16(payload[$0 + 1]) }
        #expect(ids.contains(0x2))  // ENABLE_PUSH
    }

    /// Hop-by-hop fields are dropped, names lowercased, :authority becomes host, cookies are joined.
    @Test func headerMapping() throws {
        let p = SessionPair()
        let headers: HTTPHeaders = HTTPHeaders([
            (name: "Connection", value: "keep-alive, X-Hop"),
            (name: "Keep-Alive", value: "timeout=5"),
            (name: "X-Hop", value: "1"),
            (name: "Proxy-Connection", value: "keep-alive"),
            (name: "Transfer-Encoding", value: "chunked"),
            (name: "Upgrade", value: "h2c"),
            (name: "TE", value: "gzip"),
            (name: "Host", value: "api.example.com"),
            (name: "X-Custom", value: "Value Kept"),
            (name: "Cookie", value: "a=1"),
            (name: "Cookie", value: "b=2"),
        ])
        let id = try p.client.sendRequestHead(HTTPRequestHead(method: "GET", target: "/h", headers: headers), scheme: "https", authority: "ignored.example", endStream: true)
        let noHost = try p.client.sendRequestHead(HTTPRequestHead(method: "GET", target: "/n"), scheme: "https", authority: "fallback.example:8443", endStream: true)
        try p.pump()

        let req = try #require(p.serverDelegate.requests.first { $0.id == id })
        #expect(req.head.headers.fields.map(\.name) == ["host", "x-custom", "cookie"])
        #expect(req.head.headers["host"] == "api.example.com")
        #expect(req.head.headers["x-custom"] == "Value Kept")
        #expect(req.head.headers["cookie"] == "a=1; b=2")
        let other = try #require(p.serverDelegate.requests.first { $0.id == noHost })
        #expect(other.head.headers.fields.map(\.name) == ["host"])
        #expect(other.head.headers["host"] == "fallback.example:8443")

        let response = HTTPResponseHead(status: 200, headers: HTTPHeaders([
            (name: "Connection", value: "close"),
            (name: "Transfer-Encoding", value: "chunked"),
            (name: "TE", value: "trailers"),
            (name: "Content-Type", value: "application/json"),
            (name: "X-Request-ID", value: "r1"),
        ]))
        p.server.sendResponseHead(response, streamID: id, endStream: true)
        try p.pump()
        let resp = try #require(p.clientDelegate.responses.first { $0.id == id })
        #expect(resp.head.headers.fields.map(\.name) == ["content-type", "x-request-id"])
        #expect(resp.head.headers["x-request-id"] == "r1")
    }
}

struct HTTP2EarlyAnswerTests {
    /// A response completed before the request ended is followed, after its last DATA frame, by RST_STREAM(NO_ERROR) (RFC 9113 8.1).
    @Test func earlyAnswerStopsThePeerAfterTheResponse() throws {
        let server = HTTP2Session(role: .server)
        let d = RecordingDelegate()
        server.delegate = d
        d.onRequest = { session, _, id, _ in
            session.sendResponseHead(HTTPResponseHead(status: 413, headers: ["content-type": "application/json"]), streamID: id, endStream: false)
            session.sendData(pattern(40_000), streamID: id, endStream: true)
            session.stopPeerAfterResponse(id)
        }
        let block: [UInt8] = [0x83, 0x86, 0x84, 0x41, 0x0b] + Array("example.com".utf8)  // POST, http, /, :authority
        // HEADERS without END_STREAM, and part of a body: the request is not over.
        try server.receive(clientPreface + frame(type: 0x4, flags: 0, stream: 0, []) + frame(type: 0x1, flags: 0x4, stream: 1, block)
                           + frame(type: 0x0, flags: 0, stream: 1, pattern(100)))
        var out: [UInt8] = []
        try server.takeOutput(into: &out)
        let frames = parseFrames(out).filter { $0.streamID == 1 }
        let kinds: [UInt8] = frames.map { $0.type }
        #expect(kinds.first == 0x1)
        #expect(kinds.last == 0x3, "RST_STREAM last, after every DATA frame: \(kinds)")
        let lastData = try #require(frames.last { $0.type == 0x0 })
        #expect(lastData.flags & 0x1 == 1, "the response's END_STREAM went out first")
        let dataBytes = frames.filter { $0.type == 0x0 }.reduce(0) { $0 + $1.payload.count }
        #expect(dataBytes == 40_000)
        #expect(be32(frames.last!.payload, 0) == 0, "NO_ERROR")
    }

    /// A request that already ended gets no RST_STREAM after the response.
    @Test func endedRequestIsNotReset() throws {
        let server = HTTP2Session(role: .server)
        let d = RecordingDelegate()
        server.delegate = d
        d.onRequest = { session, _, id, _ in
            session.sendResponseHead(HTTPResponseHead(status: 200), streamID: id, endStream: true)
            session.stopPeerAfterResponse(id)
        }
        let block: [UInt8] = [0x82, 0x86, 0x84, 0x41, 0x0b] + Array("example.com".utf8)
        try server.receive(clientPreface + frame(type: 0x4, flags: 0, stream: 0, []) + frame(type: 0x1, flags: 0x5, stream: 1, block))
        var out: [UInt8] = []
        try server.takeOutput(into: &out)
        #expect(!parseFrames(out).contains { $0.type == 0x3 })
    }
}

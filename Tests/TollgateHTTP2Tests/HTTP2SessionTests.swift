import Testing
import TollgateHTTP
@testable import TollgateHTTP2

struct HTTP2SessionTests {
    /// A GET with END_STREAM on HEADERS reaches the server and its response comes back whole.
    @Test func getWithEndStream() throws {
        let p = SessionPair()
        let id = try p.request("GET", "/v1/models?x=1")
        #expect(id == 1)
        try p.pump()

        let req = try #require(p.serverDelegate.requests.first)
        #expect(req.id == 1)
        #expect(req.head.method == "GET")
        #expect(req.head.target == "/v1/models?x=1")
        #expect(req.head.version == .http2)
        #expect(req.head.headers.fields.first?.name == "host")
        #expect(req.head.headers["host"] == "example.com")
        #expect(req.scheme == "https")
        #expect(req.endStream)
        #expect(p.serverDelegate.events.contains(.endStream(1)))
        #expect(p.server.activeStreamCount == 1)

        p.server.sendResponseHead(HTTPResponseHead(status: 200, headers: ["content-type": "text/plain"]), streamID: 1, endStream: false)
        p.server.sendData(Array("hello".utf8), streamID: 1, endStream: true)
        try p.pump()

        let resp = try #require(p.clientDelegate.responses.first)
        #expect(resp.head.status == 200)
        #expect(resp.head.version == .http2)
        #expect(resp.head.headers["content-type"] == "text/plain")
        #expect(!resp.endStream)
        #expect(p.clientDelegate.data[1] == Array("hello".utf8))
        #expect(p.clientDelegate.events.suffix(2) == [.endStream(1), .closed(1, .noError)])
        #expect(p.serverDelegate.closes(1) == [.noError])
        #expect(p.client.activeStreamCount == 0)
        #expect(p.server.activeStreamCount == 0)
    }

    /// A POST body sent in several pieces arrives in order, followed by END_STREAM.
    @Test func postWithBody() throws {
        let p = SessionPair()
        let id = try p.client.sendRequestHead(
            HTTPRequestHead(method: "POST", target: "/v1/chat/completions", headers: ["content-type": "application/json"]),
            scheme: "http", authority: "api.example.com", endStream: false)
        p.client.sendData(Array("{\"model\":".utf8), streamID: id, endStream: false)
        p.client.sendData(Array("\"m\"}".utf8), streamID: id, endStream: false)
        p.client.sendEndStream(streamID: id)
        try p.pump()

        let req = try #require(p.serverDelegate.requests.first)
        #expect(req.head.headers["host"] == "api.example.com")
        #expect(req.scheme == "http")
        #expect(!req.endStream)
        #expect(p.serverDelegate.data[id] == Array("{\"model\":\"m\"}".utf8))
        #expect(p.serverDelegate.events.last == .endStream(id))

        p.server.sendResponseHead(HTTPResponseHead(status: 201), streamID: id, endStream: true)
        try p.pump()
        #expect(p.clientDelegate.responses.first?.head.status == 201)
        #expect(p.clientDelegate.responses.first?.endStream == true)
        #expect(p.clientDelegate.closes(id) == [.noError])
    }

    /// Trailers travel both ways after the body and end the stream.
    @Test func trailersBothWays() throws {
        let p = SessionPair()
        let id = try p.client.sendRequestHead(
            HTTPRequestHead(method: "POST", target: "/rpc", headers: ["te": "trailers"]),
            scheme: "https", authority: "rpc.example", endStream: false)
        p.client.sendData(Array("ping".utf8), streamID: id, endStream: false)
        p.client.sendTrailers(["x-checksum": "abc"], streamID: id)
        try p.pump()

        #expect(p.serverDelegate.requests.first?.head.headers["te"] == "trailers")
        #expect(p.serverDelegate.data[id] == Array("ping".utf8))
        #expect(p.serverDelegate.events.suffix(2) == [.trailers(id, ["x-checksum": "abc"]), .endStream(id)])

        p.server.sendResponseHead(HTTPResponseHead(status: 200), streamID: id, endStream: false)
        p.server.sendData(Array("pong".utf8), streamID: id, endStream: false)
        p.server.sendTrailers(["grpc-status": "0", "Grpc-Message": "ok"], streamID: id)
        try p.pump()
        #expect(p.clientDelegate.data[id] == Array("pong".utf8))
        #expect(p.clientDelegate.events.suffix(3) == [
            .trailers(id, ["grpc-status": "0", "grpc-message": "ok"]), .endStream(id), .closed(id, .noError),
        ])
    }

    /// 100 streams open at once all complete with their own bodies.
    @Test func hundredConcurrentStreams() throws {
        let p = SessionPair()
        var ids: [Int32] = []
        for i in 0..<100 {
            ids.append(try p.request("POST", "/s/\(i)", body: Array("req \(i)".utf8)))
        }
        try p.pump()
        #expect(p.serverDelegate.requests.count == 100)
        #expect(p.server.activeStreamCount == 100)
        for r in p.serverDelegate.requests {
            p.server.sendResponseHead(HTTPResponseHead(status: 200), streamID: r.id, endStream: false)
            p.server.sendData(Array("resp \(r.head.target)".utf8) + (p.serverDelegate.data[r.id] ?? []), streamID: r.id, endStream: true)
        }
        try p.pump()
        for (i, id) in ids.enumerated() {
            #expect(p.clientDelegate.data[id] == Array("resp /s/\(i)req \(i)".utf8))
            #expect(p.clientDelegate.closes(id) == [.noError])
        }
        #expect(p.client.activeStreamCount == 0)
        #expect(p.server.activeStreamCount == 0)
    }

    /// Response heads go to nghttp2 uncopied, their bytes held until serialized: a hundred heads
    /// answered before one serialization (the shared buffer grows several times meanwhile, and
    /// passes the uncopied limit, after which heads are copied) all arrive intact, and so do
    /// heads answered in later rounds after the buffer was released.
    @Test func manyResponseHeadsBeforeOneSerialization() throws {
        let p = SessionPair()
        var ids: [Int32] = []
        for i in 0..<100 { ids.append(try p.request("GET", "/s/\(i)")) }
        try p.pump()
        let value = { (id: Int32) in String(repeating: "v\(id)-", count: 200) }
        for id in ids {
            p.server.sendResponseHead(
                HTTPResponseHead(status: 200, headers: ["X-Stream": "\(id)", "x-big": value(id)]), streamID: id, endStream: false)
        }
        #expect(p.server.outboundHeaders.heldBytes > HTTP2Session.maxUncopiedHeaderBytes)
        for id in ids { p.server.sendData(Array("b\(id)".utf8), streamID: id, endStream: true) }
        try p.pump()
        #expect(!p.server.outboundHeaders.hasUncopiedSubmissions)
        #expect(p.clientDelegate.responses.count == 100)
        for r in p.clientDelegate.responses {
            #expect(r.head.status == 200)
            #expect(r.head.headers["x-stream"] == "\(r.id)")
            #expect(r.head.headers["x-big"] == value(r.id))
            #expect(p.clientDelegate.data[r.id] == Array("b\(r.id)".utf8))
        }
        // The next round reuses the released buffer.
        let next = try p.request("GET", "/again")
        try p.pump()
        p.server.sendResponseHead(HTTPResponseHead(status: 204, headers: ["x-next": "yes"]), streamID: next, endStream: true)
        try p.pump()
        let last = try #require(p.clientDelegate.responses.last)
        #expect(last.id == next && last.head.status == 204 && last.head.headers["x-next"] == "yes")
        #expect(p.client.activeStreamCount == 0)
    }

    /// The server answers from inside the request callback; takeOutput and receive are refused there.
    @Test func respondInsideRequestCallback() throws {
        let p = SessionPair()
        var nestedOutput: [UInt8] = []
        var nestedReceiveThrew = false
        p.serverDelegate.onRequest = { session, head, id, _ in
            try? session.takeOutput(into: &nestedOutput)
            do { try session.receive([0, 0, 0]) } catch { nestedReceiveThrew = true }
            session.sendResponseHead(HTTPResponseHead(status: 200, headers: ["x-path": head.target]), streamID: id, endStream: false)
            session.sendData(Array("immediate".utf8), streamID: id, endStream: false)
            session.sendTrailers(["x-done": "1"], streamID: id)
            session.consume(streamID: id, count: 0)
        }
        try p.request("GET", "/now")
        try p.request("GET", "/again")
        try p.pump()
        #expect(nestedOutput.isEmpty)
        #expect(nestedReceiveThrew)
        #expect(p.clientDelegate.responses.map(\.head.headers["x-path"]) == ["/now", "/again"])
        #expect(p.clientDelegate.data[1] == Array("immediate".utf8))
        #expect(p.clientDelegate.closes(1) == [.noError])
        #expect(p.clientDelegate.closes(3) == [.noError])
    }

    /// A 1xx head is delivered before the final response.
    @Test func informationalResponse() throws {
        let p = SessionPair()
        try p.request("POST", "/upload", headers: ["host": "h", "expect": "100-continue"], body: [1, 2, 3])
        try p.pump()
        p.server.sendResponseHead(HTTPResponseHead(status: 100), streamID: 1, endStream: false)
        p.server.sendResponseHead(HTTPResponseHead(status: 204), streamID: 1, endStream: true)
        try p.pump()
        #expect(p.clientDelegate.responses.map(\.head.status) == [100, 204])
        #expect(p.clientDelegate.responses.map(\.endStream) == [false, true])
        #expect(p.clientDelegate.closes(1) == [.noError])
    }

    /// Deleting a session with open streams from inside a callback path is safe (keep-alive).
    @Test func sessionReleasedFromCallback() throws {
        var server: HTTP2Session? = HTTP2Session(role: .server)
        let client = HTTP2Session(role: .client)
        let d = RecordingDelegate()
        d.onRequest = { _, _, _, _ in server = nil }
        server?.delegate = d
        _ = try client.sendRequestHead(HTTPRequestHead(method: "GET", target: "/"), scheme: "http", authority: "a", endStream: true)
        var out: [UInt8] = []
        try client.takeOutput(into: &out)
        try server?.receive(out)
        #expect(server == nil)
        #expect(d.requests.count == 1)
    }
}

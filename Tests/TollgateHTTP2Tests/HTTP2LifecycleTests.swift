import Testing
import TollgateHTTP
@testable import TollgateHTTP2

struct HTTP2LifecycleTests {
    /// A client reset reaches the server with its error code; both sides close the stream once.
    @Test func resetFromClient() throws {
        let p = SessionPair()
        let id = try p.request("POST", "/slow", body: nil)
        try p.pump()
        p.client.resetStream(id, errorCode: .cancel)
        p.client.sendData([1, 2, 3], streamID: id, endStream: true)  // ignored after reset
        try p.pump()
        #expect(p.serverDelegate.closes(id) == [.cancel])
        #expect(p.clientDelegate.closes(id) == [.cancel])
        #expect(p.serverDelegate.data[id] == nil)
        #expect(p.server.activeStreamCount == 0)
        #expect(p.client.activeStreamCount == 0)
    }

    /// A server reset reaches the client with its error code, even mid-body.
    @Test func resetFromServer() throws {
        let p = SessionPair()
        let id = try p.client.sendRequestHead(HTTPRequestHead(method: "POST", target: "/x"), scheme: "http", authority: "a", endStream: false)
        p.client.sendData(pattern(1000), streamID: id, endStream: false)
        try p.pump()
        p.server.sendResponseHead(HTTPResponseHead(status: 200), streamID: id, endStream: false)
        p.server.sendData(pattern(10), streamID: id, endStream: false)
        p.server.resetStream(id, errorCode: .refusedStream)
        try p.pump()
        #expect(p.clientDelegate.closes(id) == [.refusedStream])
        #expect(p.serverDelegate.closes(id) == [.refusedStream])
        #expect(p.server.outboundBufferedBytes(streamID: id) == 0)
    }

    /// A request reset before its HEADERS went out never reaches the server and still closes once.
    @Test func resetBeforeHeadersSent() throws {
        let p = SessionPair()
        let id = try p.request("GET", "/never")
        p.client.resetStream(id, errorCode: .cancel)
        try p.pump()
        #expect(p.clientDelegate.closes(id) == [.cancel])
        #expect(p.serverDelegate.requests.isEmpty)
        #expect(p.client.activeStreamCount == 0)
    }

    /// Graceful goAway: streams in flight (also one started before the notice arrived) finish; new ones are refused.
    @Test func gracefulGoAway() throws {
        let p = SessionPair()
        let first = try p.client.sendRequestHead(HTTPRequestHead(method: "POST", target: "/1"), scheme: "http", authority: "a", endStream: false)
        try p.pump()
        #expect(p.serverDelegate.requests.count == 1)

        p.server.goAway(graceful: true)
        var notice: [UInt8] = []
        try p.server.takeOutput(into: &notice)
        // The client starts a stream before it sees the notice: the server must still take it.
        let raced = try p.request("GET", "/raced")
        var racing: [UInt8] = []
        try p.client.takeOutput(into: &racing)
        try p.server.receive(racing)
        try p.client.receive(notice)
        try p.pump()
        #expect(p.clientDelegate.events.contains(.goAway(Int32.max, .noError)))
        #expect(p.serverDelegate.requests.map(\.id) == [first, raced])
        // The final GOAWAY names the last stream the server took.
        #expect(p.clientDelegate.events.contains(.goAway(raced, .noError)))
        #expect(p.server.wantsRead)

        // New streams are refused now.
        var refused = false
        do {
            let late = try p.request("GET", "/late")
            try p.pump()
            refused = p.clientDelegate.closes(late) == [.refusedStream]
        } catch {
            refused = true
        }
        #expect(refused)
        #expect(p.serverDelegate.requests.count == 2)

        // The in-flight streams still finish.
        p.client.sendData(Array("body".utf8), streamID: first, endStream: true)
        p.server.sendResponseHead(HTTPResponseHead(status: 200), streamID: raced, endStream: true)
        try p.pump()
        #expect(p.serverDelegate.data[first] == Array("body".utf8))
        p.server.sendResponseHead(HTTPResponseHead(status: 200), streamID: first, endStream: false)
        p.server.sendData(Array("done".utf8), streamID: first, endStream: true)
        try p.pump()
        #expect(p.clientDelegate.data[first] == Array("done".utf8))
        #expect(p.clientDelegate.closes(first) == [.noError])
        #expect(p.clientDelegate.closes(raced) == [.noError])
        #expect(!p.server.wantsRead && !p.server.wantsWrite)
    }

    /// After the final GOAWAY the server ignores new streams above its last stream id (raw frames).
    @Test func serverIgnoresStreamsAfterFinalGoAway() throws {
        let server = HTTP2Session(role: .server)
        let d = RecordingDelegate()
        server.delegate = d
        // :method GET, :scheme http, :path /, :authority "a" (literal, not indexed).
        let block: [UInt8] = [0x82, 0x86, 0x84, 0x01, 0x01, 0x61]
        try server.receive(clientPreface + frame(type: 0x4, flags: 0, stream: 0, []) + frame(type: 0x1, flags: 0x4, stream: 1, block))
        #expect(d.requests.map(\.id) == [1])

        server.goAway(graceful: true)
        var out: [UInt8] = []
        try server.takeOutput(into: &out)
        let frames = parseFrames(out)
        let notice = try #require(frames.first { $0.type == 0x7 })
        #expect(be32(notice.payload, 0) == UInt32(Int32.max))
        let ping = try #require(frames.first { $0.type == 0x6 && $0.flags == 0 })

        // PING ACK: the round trip is over, the final GOAWAY names stream 1.
        try server.receive(frame(type: 0x6, flags: 0x1, stream: 0, ping.payload))
        out = []
        try server.takeOutput(into: &out)
        let final = try #require(parseFrames(out).first { $0.type == 0x7 })
        #expect(be32(final.payload, 0) == 1)
        #expect(be32(final.payload, 4) == 0)

        // A stream opened now is ignored; stream 1 still completes.
        try server.receive(frame(type: 0x1, flags: 0x5, stream: 3, block))
        #expect(d.requests.map(\.id) == [1])
        try server.receive(frame(type: 0x0, flags: 0x1, stream: 1, []))
        server.sendResponseHead(HTTPResponseHead(status: 204), streamID: 1, endStream: true)
        out = []
        try server.takeOutput(into: &out)
        #expect(parseFrames(out).contains { $0.type == 0x1 && $0.streamID == 1 })
        #expect(d.closes(1) == [.noError])
        #expect(!server.wantsRead)
    }

    /// A second graceful goAway sends the final GOAWAY without waiting for the PING round trip.
    @Test func secondGracefulGoAwayForcesFinal() throws {
        let p = SessionPair()
        let id = try p.client.sendRequestHead(HTTPRequestHead(method: "POST", target: "/"), scheme: "http", authority: "a", endStream: false)
        try p.pump()
        p.server.goAway(graceful: true)
        p.server.goAway(graceful: true)
        var out: [UInt8] = []
        try p.server.takeOutput(into: &out)
        let goAways = parseFrames(out).filter { $0.type == 0x7 }
        #expect(goAways.map { be32($0.payload, 0) } == [UInt32(Int32.max), UInt32(id)])
        try p.client.receive(out)
        #expect(p.clientDelegate.events.contains(.goAway(id, .noError)))
        #expect(p.client.activeStreamCount == 1)
    }

    /// Non-graceful goAway sends GOAWAY with the code at once; the client's streams above the last id are refused.
    @Test func immediateGoAway() throws {
        let p = SessionPair()
        try p.request("GET", "/a")
        try p.pump()
        let second = try p.request("GET", "/b")
        var out: [UInt8] = []
        p.server.goAway(errorCode: .enhanceYourCalm, graceful: false)
        try p.server.takeOutput(into: &out)
        try p.client.receive(out)
        #expect(p.clientDelegate.events.contains(.goAway(1, .enhanceYourCalm)))
        try p.pump()
        #expect(p.clientDelegate.closes(second) == [.refusedStream])
        #expect(!p.server.wantsRead)
    }

    /// Garbage instead of a preface: receive throws and a GOAWAY PROTOCOL_ERROR is queued.
    @Test func garbageBytes() throws {
        let server = HTTP2Session(role: .server)
        let d = RecordingDelegate()
        server.delegate = d
        let error = try #require(throws: HTTP2SessionError.self) {
            try server.receive([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14])
        }
        #expect(error.code == -903)  // NGHTTP2_ERR_BAD_CLIENT_MAGIC
        #expect(error.goAwayCode == .protocolError)
        try expectGoAway(server, .protocolError)
        #expect(d.events.isEmpty)
        // The session stays dead.
        #expect(throws: HTTP2SessionError.self) { try server.receive(clientPreface) }
    }

    /// A protocol violation after a valid preface (DATA on stream 0) is a connection error too.
    @Test func protocolErrorAfterPreface() throws {
        let p = SessionPair()
        let id = try p.request("POST", "/open", body: nil)
        try p.pump()
        let error = try #require(throws: HTTP2SessionError.self) {
            try p.server.receive(frame(type: 0x0, flags: 0, stream: 0, [1, 2, 3]))
        }
        #expect(error.goAwayCode == .protocolError)
        #expect(error.code == -505)  // NGHTTP2_ERR_PROTO
        #expect(p.serverDelegate.closes(id) == [.protocolError])
        try expectGoAway(p.server, .protocolError)
    }

    /// An HTTP/1.1 request sent to a server session fails cleanly.
    @Test func http1RequestFailsPrefaceCheck() throws {
        let server = HTTP2Session(role: .server)
        let d = RecordingDelegate()
        server.delegate = d
        let error = try #require(throws: HTTP2SessionError.self) {
            try server.receive(Array("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".utf8))
        }
        #expect(error.code == -903)
        #expect(!error.message.isEmpty)
        try expectGoAway(server, .protocolError)
        #expect(!server.wantsRead)
        #expect(d.events.isEmpty)
    }

    /// A request whose header list exceeds the advertised limit is reset and never reported.
    @Test func oversizedHeaderListRejected() throws {
        let p = SessionPair(server: HTTP2Settings(maxHeaderListSize: 1024))
        let id = try p.request("GET", "/", headers: ["host": "h", "x-big": String(repeating: "a", count: 2000)])
        let ok = try p.request("GET", "/small")
        try p.pump()
        #expect(p.serverDelegate.requests.map(\.id) == [ok])
        #expect(p.clientDelegate.closes(id).first != nil)
        #expect(p.clientDelegate.closes(id).first != .noError)
    }

    /// Requests with invalid headers are rejected by nghttp2 (RST_STREAM PROTOCOL_ERROR) and never reach the delegate.
    @Test func invalidRequestHeadersRejected() throws {
        let server = HTTP2Session(role: .server)
        let d = RecordingDelegate()
        server.delegate = d
        // HEADERS without :path, and with an uppercase field name.
        let missingPath = frame(type: 0x1, flags: 0x5, stream: 1, [0x82, 0x86, 0x41, 0x01, 0x61])
        let upper = frame(type: 0x1, flags: 0x5, stream: 3, [0x82, 0x86, 0x84, 0x41, 0x01, 0x61, 0x00, 0x01, 0x58, 0x01, 0x79])
        try server.receive(clientPreface + frame(type: 0x4, flags: 0, stream: 0, []) + missingPath + upper)
        #expect(d.events.isEmpty)
        var out: [UInt8] = []
        try server.takeOutput(into: &out)
        let resets = parseFrames(out).filter { $0.type == 0x3 }
        #expect(resets.map(\.streamID) == [1, 3])
        #expect(resets.allSatisfy { be32($0.payload, 0) == HTTP2ErrorCode.protocolError.rawValue })
    }

    private func expectGoAway(_ session: HTTP2Session, _ code: HTTP2ErrorCode) throws {
        var out: [UInt8] = []
        try session.takeOutput(into: &out)
        let goAway = try #require(parseFrames(out).first { $0.type == 0x7 })
        #expect(be32(goAway.payload, 4) == code.rawValue)
    }
}

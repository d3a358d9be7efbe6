import Testing
import TollgateHTTP
@testable import TollgateHTTP2

struct HTTP2FlowControlTests {
    static let fiveMiB = 5 << 20

    /// Consumes on `receiver` until the stream completes, checking that each round moves at most one window.
    private func drain(_ p: SessionPair, receiver: RecordingDelegate, session: HTTP2Session, id: Int32, total: Int, window: Int) throws {
        var rounds = 0
        while (receiver.data[id]?.count ?? 0) < total {
            let before = receiver.data[id]?.count ?? 0
            receiver.consumeAll(session)
            try p.pump()
            let moved = (receiver.data[id]?.count ?? 0) - before
            #expect(moved > 0 && moved <= window)
            rounds += 1
            if rounds > 1000 { Issue.record("no progress"); return }
        }
    }

    /// 5 MiB each way: without consume() the sender stalls at the stream window; consuming lets it finish.
    @Test func largeBodiesAdvanceOnlyWithConsume() throws {
        let p = SessionPair()
        p.serverDelegate.autoConsume = false
        p.clientDelegate.autoConsume = false
        let window = 1 << 20
        let body = pattern(Self.fiveMiB, seed: 1)

        let id = try p.client.sendRequestHead(HTTPRequestHead(method: "POST", target: "/big"), scheme: "http", authority: "a", endStream: false)
        p.client.sendData(body, streamID: id, endStream: true)
        try p.pump()
        #expect(p.serverDelegate.data[id]?.count == window)
        #expect(p.client.outboundBufferedBytes(streamID: id) == Self.fiveMiB - window)
        try p.pump()  // nothing consumed: no progress
        #expect(p.serverDelegate.data[id]?.count == window)

        try drain(p, receiver: p.serverDelegate, session: p.server, id: id, total: Self.fiveMiB, window: window)
        #expect(p.serverDelegate.data[id] == body)
        #expect(p.serverDelegate.events.last == .endStream(id))

        let back = pattern(Self.fiveMiB, seed: 7)
        p.server.sendResponseHead(HTTPResponseHead(status: 200), streamID: id, endStream: false)
        p.server.sendData(back, streamID: id, endStream: true)
        try p.pump()
        #expect(p.clientDelegate.data[id]?.count == window)
        #expect(p.server.outboundBufferedBytes(streamID: id) == Self.fiveMiB - window)
        try drain(p, receiver: p.clientDelegate, session: p.client, id: id, total: Self.fiveMiB, window: window)
        #expect(p.clientDelegate.data[id] == back)
        #expect(p.clientDelegate.closes(id) == [.noError])
    }

    /// With a small connection window, consume() reopens it too, also for bytes of a stream already closed.
    @Test func connectionWindowReplenishedByConsume() throws {
        let p = SessionPair(server: HTTP2Settings(initialStreamWindowSize: 1 << 20, connectionWindowSize: 65535))
        p.serverDelegate.autoConsume = false
        let first = try p.request("POST", "/a", body: pattern(100_000))
        try p.pump()
        #expect(p.serverDelegate.data[first]?.count == 65535)

        // The server gives up on the stream; the bytes it received still count against the connection.
        p.server.resetStream(first, errorCode: .cancel)
        try p.pump()
        #expect(p.clientDelegate.closes(first) == [.cancel])
        let second = try p.request("POST", "/b", body: pattern(1000))
        try p.pump()
        #expect(p.serverDelegate.data[second] == nil)  // connection window exhausted

        p.serverDelegate.consumeAll(p.server)  // includes the closed stream's bytes
        try p.pump()
        #expect(p.serverDelegate.data[second] == pattern(1000))
    }

    /// didDrainOutbound fires once the queue empties, and only when flow control lets it.
    @Test func drainEventFollowsFlowControl() throws {
        let p = SessionPair()
        p.clientDelegate.autoConsume = false
        try p.request()
        try p.pump()
        p.server.sendResponseHead(HTTPResponseHead(status: 200), streamID: 1, endStream: false)
        p.server.sendData(pattern(100_000), streamID: 1, endStream: false)
        try p.pump()
        #expect(p.serverDelegate.events.filter { $0 == .drained(1) }.count == 1)
        #expect(p.server.outboundBufferedBytes(streamID: 1) == 0)

        // More than the window: no drain until the client consumes.
        p.server.sendData(pattern(2 << 20), streamID: 1, endStream: false)
        try p.pump()
        #expect(p.server.outboundBufferedBytes(streamID: 1) > 0)
        #expect(p.serverDelegate.events.filter { $0 == .drained(1) }.count == 1)
        for _ in 0..<10 where p.server.outboundBufferedBytes(streamID: 1) > 0 {
            p.clientDelegate.consumeAll(p.client)
            try p.pump()
        }
        #expect(p.serverDelegate.events.filter { $0 == .drained(1) }.count == 2)

        // A producer that refills from the drain callback streams without further prompting.
        var chunks = 0
        p.serverDelegate.onDrain = { session, id in
            chunks += 1
            if chunks < 5 { session.sendData(pattern(1000), streamID: id, endStream: chunks == 4) }
        }
        p.clientDelegate.autoConsume = true
        p.clientDelegate.consumeAll(p.client)
        p.server.sendData(pattern(1000), streamID: 1, endStream: false)
        try p.pump()
        // Four refills; the last one ends the stream, which closes before its drain would be reported.
        #expect(chunks == 4)
        #expect(p.clientDelegate.closes(1) == [.noError])
        #expect(p.clientDelegate.data[1]?.count == 100_000 + (2 << 20) + 5000)
    }
}

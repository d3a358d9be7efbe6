import Testing
import TollgateHTTP
import TollgateHTTP2
@testable import TollgateSidecar

/// Records what a session delivers; `onRequest` answers requests.
private final class PumpTestDelegate: HTTP2SessionDelegate {
    var onRequest: ((HTTP2Session, Int32) -> Void)?
    var statuses: [Int] = []

    func http2Session(_ session: HTTP2Session, didReceiveRequest head: HTTPRequestHead, scheme: String, streamID: Int32, endStream: Bool) {
        onRequest?(session, streamID)
    }
    func http2Session(_ session: HTTP2Session, didReceiveResponse head: HTTPResponseHead, streamID: Int32, endStream: Bool) {
        statuses.append(head.status)
    }
    func http2Session(_ session: HTTP2Session, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {}
    func http2Session(_ session: HTTP2Session, didReceiveTrailers trailers: HTTPHeaders, streamID: Int32) {}
    func http2Session(_ session: HTTP2Session, didReceiveEndStream streamID: Int32) {}
    func http2Session(_ session: HTTP2Session, streamDidClose streamID: Int32, errorCode: HTTP2ErrorCode) {}
    func http2Session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {}
    func http2Session(_ session: HTTP2Session, didDrainOutbound streamID: Int32) {}
}

struct HTTP2OutputPumpTests {
    /// A client session with one GET queued, and its bytes.
    private func clientRequest() throws -> (HTTP2Session, PumpTestDelegate, [UInt8]) {
        let client = HTTP2Session(role: .client)
        let d = PumpTestDelegate()
        client.delegate = d
        _ = try client.sendRequestHead(HTTPRequestHead(method: "GET", target: "/"), scheme: "http", authority: "a", endStream: true)
        var wire: [UInt8] = []
        try client.takeOutput(into: &wire)
        return (client, d, wire)
    }

    /// A flush asked for from inside `receive` (a handler answering at once) is not run there; the owner's flush after it writes the answer.
    @Test func flushDuringReceiveWaits() throws {
        let (client, clientDelegate, wire) = try clientRequest()
        let server = HTTP2Session(role: .server)
        let d = PumpTestDelegate()
        server.delegate = d
        let pump = HTTP2OutputPump()
        var writes: [[UInt8]] = []
        var inner: Bool?
        d.onRequest = { s, id in
            s.sendResponseHead(HTTPResponseHead(status: 204), streamID: id, endStream: true)
            inner = try? pump.pump(s, isClosed: { false }) { writes.append($0) }
        }
        try wire.withUnsafeBytes { try pump.receive($0, into: server) }
        #expect(inner == false)
        #expect(writes.isEmpty)

        #expect(try pump.pump(server, isClosed: { false }) { writes.append($0) })
        #expect(writes.count == 1)
        try writes[0].withUnsafeBytes { try client.receive($0) }
        #expect(clientDelegate.statuses == [204])
    }

    /// While corked a flush is only remembered (uncork reports it); pumpNow writes through the cork.
    @Test func corkAndPumpNow() throws {
        let (client, clientDelegate, wire) = try clientRequest()
        let server = HTTP2Session(role: .server)
        let d = PumpTestDelegate()
        server.delegate = d
        d.onRequest = { s, id in s.sendResponseHead(HTTPResponseHead(status: 200), streamID: id, endStream: true) }
        let pump = HTTP2OutputPump()
        try wire.withUnsafeBytes { try pump.receive($0, into: server) }

        var writes: [[UInt8]] = []
        pump.cork()
        #expect(try pump.pump(server, isClosed: { false }) { writes.append($0) } == false)
        #expect(writes.isEmpty)
        #expect(try pump.pumpNow(server, isClosed: { false }) { writes.append($0) })
        #expect(writes.count == 1)
        try writes[0].withUnsafeBytes { try client.receive($0) }
        #expect(clientDelegate.statuses == [200])
        // pumpNow served the flush asked for while corked: uncork asks for none.
        #expect(pump.uncork() == false)
    }
}

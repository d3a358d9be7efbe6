// libFuzzer target: arbitrary bytes after the client connection preface, fed to a server
// session whose delegate answers every request, echoes bodies and consumes what it reads.
// Built by scripts/fuzz-http2 (not part of the SwiftPM package).
import TollgateHTTP
import TollgateHTTP2

/// Answers like a busy proxy would, from inside the callbacks, to exercise reentrancy.
final class AnsweringDelegate: HTTP2SessionDelegate {
    func http2Session(_ session: HTTP2Session, didReceiveRequest head: HTTPRequestHead, scheme: String, streamID: Int32, endStream: Bool) {
        session.sendResponseHead(HTTPResponseHead(status: 200, headers: ["content-type": "text/plain", "connection": "close"]), streamID: streamID, endStream: false)
        let body = Array("ok \(head.method) \(head.target)".utf8)
        body.withUnsafeBytes { session.sendData($0, streamID: streamID, endStream: endStream) }
    }

    func http2Session(_ session: HTTP2Session, didReceiveResponse head: HTTPResponseHead, streamID: Int32, endStream: Bool) {}

    func http2Session(_ session: HTTP2Session, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
        session.sendData(bytes, streamID: streamID, endStream: false)
        session.consume(streamID: streamID, count: bytes.count)
    }

    func http2Session(_ session: HTTP2Session, didReceiveTrailers trailers: HTTPHeaders, streamID: Int32) {
        session.sendTrailers(trailers, streamID: streamID)
    }

    func http2Session(_ session: HTTP2Session, didReceiveEndStream streamID: Int32) {
        session.sendEndStream(streamID: streamID)
    }

    func http2Session(_ session: HTTP2Session, streamDidClose streamID: Int32, errorCode: HTTP2ErrorCode) {
        session.sendData(UnsafeRawBufferPointer(start: nil, count: 0), streamID: streamID, endStream: true)
    }

    func http2Session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {
        session.goAway(graceful: true)
    }

    func http2Session(_ session: HTTP2Session, didDrainOutbound streamID: Int32) {
        if streamID % 4 == 1 { session.resetStream(streamID, errorCode: .cancel) }
    }
}

private let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let session = HTTP2Session(role: .server, settings: HTTP2Settings(maxConcurrentStreams: 16, initialStreamWindowSize: 65535))
    let delegate = AnsweringDelegate()
    session.delegate = delegate
    var input = preface
    input.append(contentsOf: UnsafeBufferPointer(start: data, count: size))
    // Two deliveries split mid-input, with output taken in between, so frames straddle calls.
    let split = preface.count + size / 2
    var out: [UInt8] = []
    input.withUnsafeBytes { all in
        do {
            try session.receive(UnsafeRawBufferPointer(rebasing: all[..<split]))
            try session.takeOutput(into: &out)
            try session.receive(UnsafeRawBufferPointer(rebasing: all[split...]))
        } catch {
            precondition(session.wantsWrite || !out.isEmpty, "a connection error must leave a GOAWAY to send")
        }
    }
    for _ in 0..<8 where session.wantsWrite {
        out.removeAll(keepingCapacity: true)
        do { try session.takeOutput(into: &out) } catch { break }
    }
    session.closeAllStreams(errorCode: .cancel)
    precondition(session.activeStreamCount == 0)
    return 0
}

import Testing
import TollgateHTTP
@testable import TollgateHTTP2

/// Records everything a session reports; optional hooks let a test act from inside callbacks.
final class RecordingDelegate: HTTP2SessionDelegate {
    enum Event: Equatable {
        case request(Int32, HTTPRequestHead, scheme: String, endStream: Bool)
        case response(Int32, HTTPResponseHead, endStream: Bool)
        case trailers(Int32, HTTPHeaders)
        case endStream(Int32)
        case closed(Int32, HTTP2ErrorCode)
        case goAway(Int32, HTTP2ErrorCode)
        case drained(Int32)
    }

    var events: [Event] = []
    /// DATA bytes received per stream (not in `events`: there can be thousands of chunks).
    var data: [Int32: [UInt8]] = [:]
    /// Bytes delivered but not yet passed to `consume`.
    var unconsumed: [Int32: Int] = [:]
    var autoConsume = true

    var onRequest: ((HTTP2Session, HTTPRequestHead, Int32, Bool) -> Void)?
    var onResponse: ((HTTP2Session, HTTPResponseHead, Int32) -> Void)?
    var onDrain: ((HTTP2Session, Int32) -> Void)?

    func http2Session(_ session: HTTP2Session, didReceiveRequest head: HTTPRequestHead, scheme: String, streamID: Int32, endStream: Bool) {
        events.append(.request(streamID, head, scheme: scheme, endStream: endStream))
        onRequest?(session, head, streamID, endStream)
    }

    func http2Session(_ session: HTTP2Session, didReceiveResponse head: HTTPResponseHead, streamID: Int32, endStream: Bool) {
        events.append(.response(streamID, head, endStream: endStream))
        onResponse?(session, head, streamID)
    }

    func http2Session(_ session: HTTP2Session, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
        data[streamID, default: []].append(contentsOf: bytes)
        if autoConsume {
            session.consume(streamID: streamID, count: bytes.count)
        } else {
            unconsumed[streamID, default: 0] += bytes.count
        }
    }

    func http2Session(_ session: HTTP2Session, didReceiveTrailers trailers: HTTPHeaders, streamID: Int32) {
        events.append(.trailers(streamID, trailers))
    }

    func http2Session(_ session: HTTP2Session, didReceiveEndStream streamID: Int32) {
        events.append(.endStream(streamID))
    }

    func http2Session(_ session: HTTP2Session, streamDidClose streamID: Int32, errorCode: HTTP2ErrorCode) {
        events.append(.closed(streamID, errorCode))
    }

    func http2Session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {
        events.append(.goAway(lastStreamID, errorCode))
    }

    func http2Session(_ session: HTTP2Session, didDrainOutbound streamID: Int32) {
        events.append(.drained(streamID))
        onDrain?(session, streamID)
    }

    /// Consumes everything delivered so far.
    func consumeAll(_ session: HTTP2Session) {
        for (id, n) in unconsumed where n > 0 { session.consume(streamID: id, count: n) }
        unconsumed = [:]
    }

    func closes(_ id: Int32) -> [HTTP2ErrorCode] {
        events.compactMap { if case .closed(id, let c) = $0 { return c } else { return nil } }
    }

    var requests: [(id: Int32, head: HTTPRequestHead, scheme: String, endStream: Bool)] {
        events.compactMap { if case let .request(id, h, s, e) = $0 { return (id, h, s, e) } else { return nil } }
    }

    var responses: [(id: Int32, head: HTTPResponseHead, endStream: Bool)] {
        events.compactMap { if case let .response(id, h, e) = $0 { return (id, h, e) } else { return nil } }
    }
}

/// A client session wired to a server session in memory.
final class SessionPair {
    let client: HTTP2Session
    let server: HTTP2Session
    let clientDelegate = RecordingDelegate()
    let serverDelegate = RecordingDelegate()

    init(client clientSettings: HTTP2Settings = HTTP2Settings(), server serverSettings: HTTP2Settings = HTTP2Settings()) {
        client = HTTP2Session(role: .client, settings: clientSettings)
        server = HTTP2Session(role: .server, settings: serverSettings)
        client.delegate = clientDelegate
        server.delegate = serverDelegate
    }

    /// Moves bytes both ways until neither side has anything to write.
    func pump() throws {
        for _ in 0..<100_000 {
            var c: [UInt8] = []
            try client.takeOutput(into: &c)
            if !c.isEmpty { try c.withUnsafeBytes { try server.receive($0) } }
            var s: [UInt8] = []
            try server.takeOutput(into: &s)
            if !s.isEmpty { try s.withUnsafeBytes { try client.receive($0) } }
            if c.isEmpty && s.isEmpty { return }
        }
        Issue.record("pump did not settle")
    }

    /// Sends a request with an optional body.
    @discardableResult
    func request(_ method: String = "GET", _ path: String = "/", headers: HTTPHeaders = ["host": "example.com"], body: [UInt8]? = nil) throws -> Int32 {
        let head = HTTPRequestHead(method: method, target: path, headers: headers)
        let id = try client.sendRequestHead(head, scheme: "https", authority: "fallback.example", endStream: body == nil)
        if let body { body.withUnsafeBytes { client.sendData($0, streamID: id, endStream: true) } }
        return id
    }
}

extension HTTP2Session {
    func sendData(_ bytes: [UInt8], streamID: Int32, endStream: Bool) {
        bytes.withUnsafeBytes { sendData($0, streamID: streamID, endStream: endStream) }
    }

    func receive(_ bytes: [UInt8]) throws(HTTP2SessionError) {
        var failure: HTTP2SessionError?
        bytes.withUnsafeBytes { p in
            do throws(HTTP2SessionError) { try receive(p) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// Deterministic, non-repeating-looking body bytes.
func pattern(_ count: Int, seed: Int = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 31 &+ seed &+ $0 / 251) % 251) }
}

/// One parsed HTTP/2 frame.
struct RawFrame {
    var type: UInt8
    var flags: UInt8
    var streamID: UInt32
    var payload: [UInt8]
}

/// Splits serialized frames (no preface) into frames.
func parseFrames(_ bytes: [UInt8]) -> [RawFrame] {
    var frames: [RawFrame] = []
    var i = 0
    while i + 9 <= bytes.count {
        let len = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
        let sid = (UInt32(bytes[i + 5]) << 24 | UInt32(bytes[i + 6]) << 16 | UInt32(bytes[i + 7]) << 8 | UInt32(bytes[i + 8])) & 0x7fff_ffff
        guard i + 9 + len <= bytes.count else { break }
        frames.append(RawFrame(type: bytes[i + 3], flags: bytes[i + 4], streamID: sid, payload: Array(bytes[(i + 9)..<(i + 9 + len)])))
        i += 9 + len
    }
    return frames
}

/// Serializes one frame.
func frame(type: UInt8, flags: UInt8, stream: UInt32, _ payload: [UInt8]) -> [UInt8] {
    let n = payload.count
    return [UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff), type, flags,
            UInt8(stream >> 24 & 0x7f), UInt8(stream >> 16 & 0xff), UInt8(stream >> 8 & 0xff), UInt8(stream & 0xff)] + payload
}

let clientPreface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

func be32(_ p: [UInt8], _ at: Int) -> UInt32 {
    guard at + 4 <= p.count else { return 0xffff_ffff }
    return UInt32(p[at]) << 24 | UInt32(p[at + 1]) << 16 | UInt32(p[at + 2]) << 8 | UInt32(p[at + 3])
}

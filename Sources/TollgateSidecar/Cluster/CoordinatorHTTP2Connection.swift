import TollgateHTTP
import TollgateHTTP2
import TollgateTransport

/// An HTTP/2 connection to the coordinator (h2c with prior knowledge, or TLS with ALPN h2): the
/// same `HTTP2Session` (nghttp2) the data plane serves with, one request per stream, answered
/// whole by the coordinator's router once the stream's body is in. A sidecar keeps one such
/// connection and opens a stream per sync exchange. Loop-confined.
final class CoordinatorHTTP2Connection: ConnectionDelegate, HTTP2SessionDelegate {
    typealias Router = (_ head: HTTPRequestHead, _ body: [UInt8]) -> AdminResponse

    let connection: Connection
    let session: HTTP2Session
    private let route: Router
    private let onClose: (CoordinatorHTTP2Connection) -> Void
    private var requests: [Int32: (head: HTTPRequestHead, body: [UInt8])] = [:]
    private let pump = HTTP2OutputPump()
    private var closed = false
    private var lastRead = MonotonicClock.now()
    private var idleTimer: LoopTimer?

    /// Sync bodies are a few frames; the admin API's budget writes are small JSON.
    static let maxBodyBytes = 1 << 20
    /// A sidecar reports every second; a connection silent this long belongs to one that went
    /// away without a FIN (a partition, a dead node) and is closed with GOAWAY.
    static let idleSeconds = 120.0

    init(connection: Connection, route: @escaping Router, onClose: @escaping (CoordinatorHTTP2Connection) -> Void) {
        self.connection = connection
        self.route = route
        self.onClose = onClose
        session = HTTP2Session(role: .server, settings: HTTP2Settings(maxConcurrentStreams: 128, initialStreamWindowSize: 1 << 20,
                                                                      connectionWindowSize: 1 << 22, maxHeaderListSize: 16384))
        session.delegate = self
        connection.delegate = self
        armIdle()
    }

    private func armIdle() {
        idleTimer = connection.loop.schedule(afterSeconds: Self.idleSeconds / 4) { [weak self] in
            guard let self, !self.closed else { return }
            if MonotonicClock.now() - self.lastRead > UInt64(Self.idleSeconds * 1e9) && self.requests.isEmpty {
                self.shutdown()
            } else {
                self.armIdle()
            }
        }
    }

    /// Feeds the bytes the protocol detector already read (the preface), or sends our SETTINGS.
    func start(initialBytes: [UInt8]) {
        if initialBytes.isEmpty {
            flush()
        } else {
            initialBytes.withUnsafeBytes { connection(connection, didRead: $0) }
        }
    }

    private func flush() {
        guard !closed else { return }
        do {
            guard try pump.pump(session, isClosed: { connection.isClosed }, write: { connection.write($0) }) else { return }
        } catch {
            close()
            return
        }
        if !session.wantsRead && !session.wantsWrite { close(flushing: true) }
    }

    private func close(flushing: Bool = false) {
        guard !closed else { return }
        closed = true
        idleTimer?.cancel()
        idleTimer = nil
        requests.removeAll()
        if flushing { connection.closeAfterFlush() } else { connection.close() }
        onClose(self)
    }

    /// Stops the connection (coordinator shutdown): GOAWAY, then close once it is written.
    func shutdown() {
        guard !closed else { return }
        session.goAway(errorCode: .noError, graceful: false)
        flush()
        close(flushing: true)
    }

    private func respond(_ r: AdminResponse, streamID: Int32, isHead: Bool) {
        var headers = HTTPHeaders()
        headers.add("content-type", r.contentType)
        headers.add("content-length", String(r.body.count))
        let bodyless = isHead || r.body.isEmpty
        session.sendResponseHead(HTTPResponseHead(status: r.status, version: .http2, headers: headers), streamID: streamID, endStream: bodyless)
        if !bodyless { r.body.withUnsafeBytes { session.sendData($0, streamID: streamID, endStream: true) } }
    }

    // MARK: ConnectionDelegate

    func connectionDidBecomeActive(_ connection: Connection) {}

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        lastRead = MonotonicClock.now()
        do {
            try pump.receive(bytes, into: session)
        } catch {
            Log.debug("coordinator: HTTP/2 connection error from \(connection.peer?.host ?? "?"): \(error.message)")
            flush()
            close(flushing: true)
            return
        }
        flush()
    }

    func connectionDidReadEOF(_ connection: Connection) { close() }

    func connectionDidDrain(_ connection: Connection) {}

    func connection(_ connection: Connection, didFail error: TransportError) { close() }

    // MARK: HTTP2SessionDelegate

    func http2Session(_ session: HTTP2Session, didReceiveRequest head: HTTPRequestHead, scheme: String, streamID: Int32, endStream: Bool) {
        if let cl = head.headers["content-length"], let n = Int(cl), n > Self.maxBodyBytes {
            respond(.text(413, "request body of \(n) bytes exceeds \(Self.maxBodyBytes)\n"), streamID: streamID, isHead: false)
            return
        }
        requests[streamID] = (head, [])
    }

    func http2Session(_ session: HTTP2Session, didReceiveResponse head: HTTPResponseHead, streamID: Int32, endStream: Bool) {
        session.resetStream(streamID, errorCode: .protocolError)
    }

    func http2Session(_ session: HTTP2Session, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
        // Buffered whole, so the window reopens at once; the size cap bounds the buffer.
        session.consume(streamID: streamID, count: bytes.count)
        guard requests[streamID] != nil else { return }
        if requests[streamID]!.body.count + bytes.count > Self.maxBodyBytes {
            requests[streamID] = nil
            respond(.text(413, "request body exceeds \(Self.maxBodyBytes) bytes\n"), streamID: streamID, isHead: false)
            return
        }
        requests[streamID]!.body.append(contentsOf: bytes)
    }

    func http2Session(_ session: HTTP2Session, didReceiveTrailers trailers: HTTPHeaders, streamID: Int32) {}

    func http2Session(_ session: HTTP2Session, didReceiveEndStream streamID: Int32) {
        guard let (head, body) = requests.removeValue(forKey: streamID) else { return }
        // Coordinator routes answer at once (none defers with `after`).
        respond(route(head, body), streamID: streamID, isHead: head.method == "HEAD")
    }

    func http2Session(_ session: HTTP2Session, streamDidClose streamID: Int32, errorCode: HTTP2ErrorCode) {
        requests[streamID] = nil
    }

    func http2Session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {}

    func http2Session(_ session: HTTP2Session, didDrainOutbound streamID: Int32) {}
}

import TollgateHTTP2
import TollgateTransport

/// The first handler of every downstream connection: waits for TLS (taking ALPN's word) or for
/// enough bytes to tell the HTTP/2 connection preface from an HTTP/1.1 request line, then hands
/// the connection and the bytes seen so far to the right protocol handler.
final class ProtocolDetector: ConnectionDelegate, DownstreamConnection {
    let context: LoopContext
    let connection: Connection
    private var seen: [UInt8] = []
    private var timer: LoopTimer?
    private var done = false
    /// Passed on to the protocol handler (EgressRole.swift).
    var egressRole = EgressRole.none

    init(context: LoopContext, connection: Connection) {
        self.context = context
        self.connection = connection
        connection.delegate = self
        context.add(self)
        // Strong capture (no weak side table on a hot object); the timer is cancelled in finish().
        timer = context.loop.schedule(afterSeconds: context.options.headerTimeout) { [self] in
            guard !self.done else { return }
            self.finish()
            self.connection.close()
        }
    }

    func connectionDidBecomeActive(_ connection: Connection) {
        // TLS handshake done: ALPN decides.
        if connection.alpn == "h2" { handOver(h2: true) }
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        seen.append(contentsOf: bytes)
        switch HTTP2Preface.classify(seen) {
        case .needMore: break
        case .http2: handOver(h2: true)
        case .http1: handOver(h2: false)
        }
    }

    func connectionDidReadEOF(_ connection: Connection) {
        finish()
        connection.close()
    }

    func connectionDidDrain(_ connection: Connection) {}

    func connection(_ connection: Connection, didFail error: TransportError) {
        Log.debug("connection from \(connection.peer?.host ?? "?") failed before the first request: \(error.message)")
        finish()
    }

    private func handOver(h2: Bool) {
        finish()
        let bytes = seen
        seen = []
        if h2 {
            let handler = HTTP2ServerConnection(context: context, connection: connection)
            handler.egressRole = egressRole
            context.add(handler)
            handler.start(initialBytes: bytes)
        } else {
            let handler = HTTP1ServerConnection(context: context, connection: connection)
            handler.egressRole = egressRole
            context.add(handler)
            handler.start(initialBytes: bytes)
        }
    }

    private func finish() {
        guard !done else { return }
        done = true
        timer?.cancel()
        timer = nil
        context.remove(self)
    }

    func beginDrain() {
        finish()
        connection.close()
    }

    func forceClose() {
        finish()
        connection.close()
    }
}

import TollgateHTTP
import TollgateTransport

/// A response from an admin route.
struct AdminResponse: Sendable {
    var status: Int
    var contentType: String
    var body: [UInt8]
    /// When set, the response goes out only once this calls back (from any thread), or the
    /// response given there instead: e.g. a budget change is answered once its WAL record is
    /// durable, or with an error if it cannot be. The loop is never blocked.
    var after: (@Sendable (_ ready: @escaping @Sendable (AdminResponse?) -> Void) -> Void)? = nil

    static func text(_ status: Int, _ s: String, type: String = "text/plain; charset=utf-8") -> AdminResponse {
        AdminResponse(status: status, contentType: type, body: Array(s.utf8))
    }
}

/// Admin routes: (method, path, body) -> response. Runs on the admin loop; must not block.
typealias AdminRouter = @Sendable (_ method: String, _ path: Substring, _ headers: HTTPHeaders, _ body: [UInt8]) -> AdminResponse

/// A small HTTP/1.1 server for the admin port (health, readiness, metrics, budgets).
final class AdminConnection: ConnectionDelegate {
    let connection: Connection
    let router: AdminRouter
    private var requests = HTTP1RequestCollector(maxBodyBytes: 1 << 20)
    private let onClose: (AdminConnection) -> Void
    /// A response waits for its `after` callback: later requests' bytes are held until it went
    /// out, so pipelined requests are still answered in order.
    private var waiting = false
    private var held: [UInt8] = []

    init(connection: Connection, router: @escaping AdminRouter, onClose: @escaping (AdminConnection) -> Void) {
        self.connection = connection
        self.router = router
        self.onClose = onClose
        connection.delegate = self
    }

    func connectionDidBecomeActive(_ connection: Connection) {}

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        if waiting {
            held.append(contentsOf: bytes)
            return
        }
        do {
            let used = try requests.collect(bytes, stop: { connection.isClosed }) { h, body in
                respondWhenReady(h, router(h.method, h.path, h.headers, body))
                return !waiting
            }
            if waiting && !connection.isClosed { held.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[used...])) }
        } catch {
            respond(nil, .text(error.status, "\(error.message)\n"))
            connection.closeAfterFlush()
            onClose(self)
        }
    }

    private func respondWhenReady(_ h: HTTPRequestHead, _ r: AdminResponse) {
        guard let after = r.after else { return respond(h, r) }
        let me = AdminOnLoop(self)
        let loop = connection.loop
        waiting = true
        after { instead in
            loop.execute { me.connection.finishWaiting(h, instead ?? r) }
        }
    }

    private func finishWaiting(_ h: HTTPRequestHead, _ r: AdminResponse) {
        waiting = false
        guard !connection.isClosed else { return }
        respond(h, r)
        guard !held.isEmpty, !connection.isClosed else { return }
        let rest = held
        held = []
        rest.withUnsafeBytes { connection(connection, didRead: $0) }
    }

    private func respond(_ h: HTTPRequestHead?, _ r: AdminResponse) {
        var headers = HTTPHeaders()
        headers.add("content-type", r.contentType)
        headers.add("content-length", String(r.body.count))
        let keep = h?.isKeepAlive ?? false
        if !keep { headers.add("connection", "close") }
        var out: [UInt8] = []
        HTTP1Serializer.appendResponseHead(HTTPResponseHead(status: r.status, headers: headers), to: &out)
        if h?.method != "HEAD" { out.append(contentsOf: r.body) }
        connection.write(out)
        if !keep {
            connection.closeAfterFlush()
            onClose(self)
        }
    }

    func connectionDidReadEOF(_ connection: Connection) {
        connection.close()
        onClose(self)
    }

    func connectionDidDrain(_ connection: Connection) {}

    func connection(_ connection: Connection, didFail error: TransportError) { onClose(self) }
}

/// An admin connection carried to another thread and back to its loop (touched only there).
private final class AdminOnLoop: @unchecked Sendable {
    let connection: AdminConnection
    init(_ c: AdminConnection) { connection = c }
}

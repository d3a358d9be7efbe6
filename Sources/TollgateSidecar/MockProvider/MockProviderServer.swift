import Glibc
import Synchronization
import TollgateHTTP
import TollgateTransport

/// The built-in mock LLM provider (`tollgate mock-provider`, and inside `tollgate demo`):
/// OpenAI- and Anthropic-compatible, streaming with usage, with a configurable latency spread
/// over the stream. Its own counters (GET /_mock/stats) and optional JSON-lines log are the
/// ground truth the demo and the chaos harness compare budgets with.
final class MockProviderServer: @unchecked Sendable {
    struct Totals {
        var requests: Int64 = 0
        var inputTokens: Int64 = 0
        var outputTokens: Int64 = 0
    }

    let listenAddress: SocketAddress
    let latencyMillis: Int
    let baseOutput: Int64
    let totals = Mutex(Totals())
    private let logFD: Int32
    private var loop: EventLoop?
    private var listener: Listener?
    var connections: [ObjectIdentifier: MockProviderConnection] = [:]
    var sequence: UInt64 = 0
    private(set) var boundAddress: SocketAddress?

    init(listen: SocketAddress, latencyMillis: Int, baseOutput: Int64 = 48, logPath: String? = nil) {
        self.listenAddress = listen
        self.latencyMillis = latencyMillis
        self.baseOutput = baseOutput
        logFD = logPath.map { open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) } ?? -1
    }

    func start() throws {
        let loop = try EventLoop(index: 0)
        self.loop = loop
        let l = try Listener(address: listenAddress, loop: loop, reusePort: false, tls: nil) { [unowned self] l, fd, peer in
            guard let c = try? Connection(accepted: fd, peer: peer, loop: l.loop, tls: nil) else { return }
            let mc = MockProviderConnection(connection: c, server: self)
            self.connections[ObjectIdentifier(mc)] = mc
        }
        listener = l
        boundAddress = l.address
        loop.startThread(name: "tollgate-mock")
    }

    func stop() {
        guard let loop else { return }
        loop.execute { [self] in
            listener?.close()
            loop.stop()
        }
        loop.join()
    }

    /// A response was sent in full: count it (and log it).
    func served(_ c: MockCompletion) {
        guard c.status == 200 else { return }
        totals.withLock {
            $0.requests += 1
            $0.inputTokens += c.inputTokens
            $0.outputTokens += c.outputTokens
        }
        if logFD >= 0 {
            let line = "{\"api\":\"\(c.api)\",\"input_tokens\":\(c.inputTokens),\"output_tokens\":\(c.outputTokens),\"total_tokens\":\(c.inputTokens + c.outputTokens)}\n"
            _ = line.utf8CString.withUnsafeBufferPointer { write(logFD, $0.baseAddress, $0.count - 1) }
        }
    }

    func statsJSON() -> [UInt8] {
        let t = totals.withLock { $0 }
        return Array("{\"requests\":\(t.requests),\"input_tokens\":\(t.inputTokens),\"output_tokens\":\(t.outputTokens),\"total_tokens\":\(t.inputTokens + t.outputTokens)}\n".utf8)
    }
}

/// One client connection of the mock provider: one request at a time, answers paced by timers.
final class MockProviderConnection: ConnectionDelegate {
    let connection: Connection
    unowned let server: MockProviderServer
    private var requests = HTTP1RequestCollector(maxBodyBytes: 8 << 20)
    private var busy = false
    private var timer: LoopTimer?

    init(connection: Connection, server: MockProviderServer) {
        self.connection = connection
        self.server = server
        connection.delegate = self
    }

    func connectionDidBecomeActive(_ connection: Connection) {}

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        do {
            _ = try requests.collect(bytes, stop: { connection.isClosed }) { h, body in
                answer(h, body: body)
                return true
            }
        } catch {
            connection.closeAfterFlush()
            finish()
        }
    }

    private func answer(_ h: HTTPRequestHead, body: [UInt8]) {
        guard !busy else { return }   // no pipelining in the mock
        if h.method == "GET" && h.path == "/_mock/stats" {
            write(status: 200, type: "application/json", body: server.statsJSON(), keepAlive: h.isKeepAlive)
            return
        }
        if h.method == "GET" && (h.path == "/healthz" || h.path == "/readyz") {
            write(status: 200, type: "text/plain", body: Array("ok\n".utf8), keepAlive: h.isKeepAlive)
            return
        }
        server.sequence += 1
        let c = MockCompletion.answer(path: h.path, body: body, sequence: server.sequence, baseOutput: server.baseOutput)
        let keep = h.isKeepAlive
        busy = true
        let latency = Double(server.latencyMillis) / 1000
        if c.contentType != "text/event-stream" {
            timer = connection.loop.schedule(afterSeconds: max(0.0005, latency)) { [self] in
                busy = false
                write(status: c.status, type: c.contentType, body: c.pieces.flatMap { $0 }, keepAlive: keep)
                server.served(c)
            }
            return
        }
        var head: [UInt8] = []
        var headers = HTTPHeaders()
        headers.add("content-type", "text/event-stream")
        headers.add("transfer-encoding", "chunked")
        if !keep { headers.add("connection", "close") }
        HTTP1Serializer.appendResponseHead(HTTPResponseHead(status: c.status, headers: headers), to: &head)
        connection.write(head)
        send(c, index: 0, gap: latency / Double(max(1, c.pieces.count)), keepAlive: keep)
    }

    private func send(_ c: MockCompletion, index: Int, gap: Double, keepAlive: Bool) {
        timer = connection.loop.schedule(afterSeconds: max(0.0002, gap)) { [self] in
            guard !connection.isClosed else { return finish() }
            var out: [UInt8] = []
            c.pieces[index].withUnsafeBytes { HTTP1Serializer.appendChunk($0, to: &out) }
            if index + 1 == c.pieces.count {
                HTTP1Serializer.appendLastChunk(trailers: nil, to: &out)
                connection.write(out)
                busy = false
                server.served(c)
                if !keepAlive {
                    connection.closeAfterFlush()
                    finish()
                }
                return
            }
            connection.write(out)
            send(c, index: index + 1, gap: gap, keepAlive: keepAlive)
        }
    }

    private func write(status: Int, type: String, body: [UInt8], keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add("content-type", type)
        headers.add("content-length", String(body.count))
        if !keepAlive { headers.add("connection", "close") }
        var out: [UInt8] = []
        HTTP1Serializer.appendResponseHead(HTTPResponseHead(status: status, headers: headers), to: &out)
        out += body
        connection.write(out)
        if !keepAlive {
            connection.closeAfterFlush()
            finish()
        }
    }

    private func finish() { server.connections[ObjectIdentifier(self)] = nil }

    func connectionDidReadEOF(_ connection: Connection) {
        if !busy {
            connection.close()
            finish()
        }
    }

    func connectionDidDrain(_ connection: Connection) {}
    func connection(_ connection: Connection, didFail error: TransportError) { finish() }
}

import TollgateHTTP
import TollgateTransport

/// A client's CONNECT, after the policy let it through: resolves the host off-loop, then either
/// terminates the client's TLS with a minted certificate and hands the decrypted connection to
/// the normal HTTP/1.1 or HTTP/2 handlers (intercept), or dials the host and relays bytes both
/// ways with backpressure, counting them per host (opaque tunnel).
final class EgressConnectHandler: ConnectionDelegate, DownstreamConnection {
    static let established = Array("HTTP/1.1 200 Connection Established\r\n\r\n".utf8)

    let context: LoopContext
    let egress: EgressServices
    let downstream: Connection
    let host: String
    let port: UInt16
    let intercept: Bool
    private var upstream: Connection?
    /// Client bytes that arrived before the tunnel was open.
    private var pending: [UInt8]
    private var timer: LoopTimer?
    private var tunnelOpen = false
    private var closed = false
    private var draining = false
    private var lastActivity: UInt64

    init(context: LoopContext, egress: EgressServices, connection: Connection, host: String, port: UInt16,
         intercept: Bool, leftover: [UInt8]) {
        self.context = context
        self.egress = egress
        self.downstream = connection
        self.host = host
        self.port = port
        self.intercept = intercept
        self.pending = leftover
        self.lastActivity = context.loop.now
        connection.delegate = self
        context.add(self)
    }

    func start() {
        downstream.resumeReading()
        timer = context.loop.schedule(afterSeconds: context.options.connectTimeout) { [self] in
            guard !self.closed, !self.tunnelOpen else { return }
            self.refuse(.upstreamTimeout("connecting to \(self.host):\(self.port) took over \(self.context.options.connectTimeout)s"))
        }
        egress.resolver.resolve(host: host, port: port, on: context.loop) { [self] result in
            guard !self.closed else { return }
            switch result {
            case .failure(let e): self.refuse(.upstreamUnavailable(e.message))
            case .success(let addresses): self.resolved(addresses)
            }
        }
    }

    private func resolved(_ addresses: [SocketAddress]) {
        if intercept {
            startInterception()
            return
        }
        guard let address = addresses.first else { return refuse(.upstreamUnavailable("no address for \(host)")) }
        do {
            let up = try Connection(connectingTo: address, loop: context.loop, tls: nil, serverName: nil)
            up.delegate = self
            upstream = up
        } catch {
            refuse(.upstreamUnavailable("cannot connect to \(host):\(port): \(error.message)"))
        }
    }

    /// Answers 200, starts TLS with the host's minted certificate and hands over to protocol
    /// detection with every request routed to the host.
    private func startInterception() {
        guard let certificates = egress.certificates else { return refuse(.upstreamUnavailable("interception is not configured")) }
        guard pending.isEmpty else {
            return refuse(.badRequest(400, code: "early_data", "bytes sent before the CONNECT response cannot be intercepted"))
        }
        do {
            let tls = try certificates.context(for: host, now: EgressServices.wallSeconds())
            try downstream.startServerTLS(tls, preamble: Self.established)
        } catch {
            Log.warning("egress: cannot intercept \(host): \(error.message)")
            return refuse(.upstreamUnavailable("cannot intercept \(host)"))
        }
        egress.metrics.record(.intercept, host: host)
        finish()
        let detector = ProtocolDetector(context: context, connection: downstream)
        detector.egressRole = .intercepted(UpstreamTarget(scheme: "https", host: host, port: port))
    }

    /// Answers an error before the tunnel opened, then closes.
    private func refuse(_ error: ProxyError) {
        guard !closed else { return }
        Log.info("egress: CONNECT \(host):\(port) failed: \(error.message)")
        var (head, body) = error.response(for: .openAI)
        head.headers.set("connection", "close")
        var bytes: [UInt8] = []
        HTTP1Serializer.appendResponseHead(head, to: &bytes)
        bytes += body
        downstream.write(bytes)
        let up = upstream
        upstream = nil
        up?.close()
        finish()
        downstream.closeAfterFlush()
    }

    // MARK: Relay

    func connectionDidBecomeActive(_ connection: Connection) {
        guard connection === upstream, !closed else { return }
        tunnelOpen = true
        timer?.cancel()
        timer = nil
        egress.metrics.record(.tunnel, host: host)
        downstream.write(Self.established)
        if !pending.isEmpty {
            connection.write(pending)
            egress.metrics.tunnelBytes(host: host, up: pending.count, down: 0)
            pending = []
        }
        downstream.resumeReading()
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        lastActivity = context.loop.now
        if connection === downstream {
            guard tunnelOpen, let up = upstream else {
                pending.append(contentsOf: bytes)
                if pending.count > FlowLimits.highWater { downstream.pauseReading() }
                return
            }
            up.write(bytes)
            egress.metrics.tunnelBytes(host: host, up: bytes.count, down: 0)
            if up.outputBufferedBytes > FlowLimits.highWater { downstream.pauseReading() }
        } else {
            downstream.write(bytes)
            egress.metrics.tunnelBytes(host: host, up: 0, down: bytes.count)
            if downstream.outputBufferedBytes > FlowLimits.highWater { connection.pauseReading() }
        }
    }

    func connectionDidDrain(_ connection: Connection) {
        if connection === downstream { upstream?.resumeReading() } else if tunnelOpen { downstream.resumeReading() }
    }

    func connectionDidReadEOF(_ connection: Connection) {
        // Either side finished: what was read is passed on, then both close.
        closeBoth(flushing: true)
    }

    func connection(_ connection: Connection, didFail error: TransportError) {
        if connection === upstream && !tunnelOpen {
            upstream = nil
            return refuse(.upstreamUnavailable("cannot connect to \(host):\(port): \(error.message)"))
        }
        Log.debug("egress tunnel to \(host) ended: \(error.message)")
        closeBoth(flushing: true)
    }

    private func closeBoth(flushing: Bool) {
        guard !closed else { return }
        let up = upstream
        upstream = nil
        finish()
        if flushing {
            up?.closeAfterFlush()
            downstream.closeAfterFlush()
        } else {
            up?.close()
            downstream.close()
        }
    }

    private func finish() {
        guard !closed else { return }
        closed = true
        timer?.cancel()
        timer = nil
        context.remove(self)
    }

    // MARK: Drain

    /// A tunnel's bytes are opaque, so the proxy cannot tell a finished exchange from a pause:
    /// it closes the tunnel once it has been quiet for a second.
    func beginDrain() {
        guard !closed else { return }
        guard tunnelOpen else { return closeBoth(flushing: false) }
        draining = true
        checkQuiet()
    }

    private func checkQuiet() {
        guard !closed else { return }
        if context.loop.now &- lastActivity >= 1_000_000_000 && downstream.outputBufferedBytes == 0 {
            return closeBoth(flushing: true)
        }
        timer?.cancel()
        timer = context.loop.schedule(afterSeconds: 0.25) { [self] in self.checkQuiet() }
    }

    func forceClose() { closeBoth(flushing: false) }
}

import Dispatch
import Synchronization
import TollgateBudget
import TollgateTransport

/// The sidecar data plane: N event loops, each with its own SO_REUSEPORT listener, upstream
/// pool and metrics shard, plus an admin loop. Built and started from the main thread; after
/// `start`, loop state is touched only on its loop.
public final class SidecarServer: @unchecked Sendable {
    public let options: SidecarOptions
    private var loops: [EventLoop] = []
    private var contexts: [LoopContext] = []
    private var listeners: [Listener] = []
    private var egressListeners: [Listener] = []
    private let shards: [MetricsShard]
    private var adminLoop: EventLoop?
    private var adminListener: Listener?
    private var adminConnections: [ObjectIdentifier: AdminConnection] = [:]
    private var services: SidecarServices?
    private let ready = Atomic<Bool>(false)
    private let draining = Atomic<Bool>(false)
    public private(set) var boundAddress: SocketAddress?
    public private(set) var boundAdminAddress: SocketAddress?
    public private(set) var boundEgressAddress: SocketAddress?

    public init(options: SidecarOptions) {
        self.options = options
        shards = (0..<max(1, options.threads)).map { _ in MetricsShard() }
    }

    /// Resolves the upstream, binds every listener and starts the loop threads.
    public func start() throws {
        // The file's server settings are already in `options` (flags override them); the
        // gateway policy is read here.
        let file = try options.configPath.map { (p) throws(ConfigError) in try SidecarConfigFile.load(path: p) }
        try start(file: file)
    }

    /// Starts with an already loaded configuration file (its server settings are in `options`).
    func start(file: SidecarConfigFile?) throws {
        var serverTLS: TLSContext? = nil
        if let cert = options.tlsCertFile, let key = options.tlsKeyFile {
            serverTLS = try TLSContext.server(certificateFile: cert, keyFile: key)
        } else if options.tlsCertFile != nil || options.tlsKeyFile != nil {
            throw ConfigError("--tls-cert and --tls-key must be given together")
        }

        let services = try SidecarServices(options: options, file: file)
        self.services = services
        var listenAddress = options.listen
        var egressAddress = options.egress.listen
        let sharedRole: EgressRole = options.egress.enabled && egressAddress == nil ? .proxy(originFormAllowed: true) : .none
        for i in 0..<max(1, options.threads) {
            let loop = try EventLoop(index: i)
            let pool = UpstreamPool(loop: loop, options: options, services: services)
            let ctx = LoopContext(loop: loop, options: options, metrics: shards[i], pool: pool, services: services)
            let listener = try Listener(address: listenAddress, loop: loop, reusePort: true, tls: serverTLS) { l, fd, peer in
                Self.accept(fd: fd, peer: peer, listener: l, context: ctx, role: sharedRole)
            }
            if options.egress.enabled, let address = egressAddress {
                let el = try Listener(address: address, loop: loop, reusePort: true, tls: nil) { l, fd, peer in
                    Self.accept(fd: fd, peer: peer, listener: l, context: ctx, role: .proxy(originFormAllowed: false))
                }
                if i == 0 { egressAddress = el.address }
                egressListeners.append(el)
            }
            // With port 0, later loops bind the port the first one got.
            if i == 0 { listenAddress = listener.address }
            loops.append(loop)
            contexts.append(ctx)
            listeners.append(listener)
        }
        boundAddress = listenAddress
        boundEgressAddress = egressAddress

        if let adminAddress = options.admin {
            let loop = try EventLoop(index: loops.count)
            let router = makeAdminRouter()
            adminListener = try Listener(address: adminAddress, loop: loop, reusePort: false, tls: nil) { [unowned self] l, fd, peer in
                guard let c = try? Connection(accepted: fd, peer: peer, loop: l.loop, tls: nil) else { return }
                let ac = AdminConnection(connection: c, router: router) { [unowned self] ac in
                    self.adminConnections[ObjectIdentifier(ac)] = nil
                }
                self.adminConnections[ObjectIdentifier(ac)] = ac
            }
            boundAdminAddress = adminListener?.address
            adminLoop = loop
            loop.startThread(name: "tollgate-admin")
        }
        for (i, loop) in loops.enumerated() { loop.startThread(name: "tollgate-loop-\(i)") }
        ready.store(true, ordering: .releasing)
    }

    private static func accept(fd: Int32, peer: SocketAddress?, listener: Listener, context: LoopContext, role: EgressRole) {
        guard !context.draining else {
            close(fd)
            return
        }
        do {
            let c = try Connection(accepted: fd, peer: peer, loop: listener.loop, tls: listener.tls)
            ProtocolDetector(context: context, connection: c).egressRole = role
        } catch {
            Log.warning("cannot accept connection: \(error.message)")
        }
    }

    private func makeAdminRouter() -> AdminRouter {
        let shards = self.shards
        let budgetRoutes = BudgetAdminRoutes(engine: services?.budgets, token: options.adminToken)
        return { [unowned self] method, path, headers, body in
            if let r = budgetRoutes.handle(method: method, path: path, headers: headers, body: body) { return r }
            switch (method, path) {
            case ("GET", "/healthz"), ("HEAD", "/healthz"):
                return .text(200, "ok\n")
            case ("GET", "/readyz"), ("HEAD", "/readyz"):
                let ok = self.ready.load(ordering: .acquiring) && !self.draining.load(ordering: .acquiring)
                return ok ? .text(200, "ready\n") : .text(503, self.draining.load(ordering: .acquiring) ? "draining\n" : "starting\n")
            case ("GET", "/metrics"):
                var usage = self.services?.usageMetrics.render() ?? ""
                if let log = self.services?.usageLog {
                    usage += "# HELP tollgate_usage_log_dropped_total Usage records dropped because writing them stalled.\n# TYPE tollgate_usage_log_dropped_total counter\ntollgate_usage_log_dropped_total \(log.droppedTotal)\n"
                }
                if let engine = self.services?.budgets {
                    usage += BudgetStatus.prometheus(engine.snapshot(now: MonotonicClock.wallNanos()))
                }
                if let mcp = self.services?.mcp {
                    usage += mcp.metrics.render()
                }
                if let wal = self.services?.budgetStore?.wal {
                    usage += WALMetrics.render(wal.stats, recovered: wal.recovered, failed: wal.failure != nil)
                }
                if let egress = self.services?.egress { usage += egress.metrics.render() }
                if let cluster = self.services?.cluster { usage += cluster.metricsText() }
                return .text(200, MetricsRenderer.render(shards) + usage, type: "text/plain; version=0.0.4; charset=utf-8")
            case ("GET", "/budgets"):
                guard let engine = self.services?.budgets else { return .text(200, "[]\n", type: "application/json") }
                return AdminResponse(status: 200, contentType: "application/json",
                                     body: BudgetStatus.json(engine.snapshot(now: MonotonicClock.wallNanos())))
            case ("GET", "/cluster"):
                guard let cluster = self.services?.cluster else { return .text(404, "no --coordinator configured\n") }
                return AdminResponse(status: 200, contentType: "application/json", body: cluster.statusJSON())
            case (_, "/healthz"), (_, "/readyz"), (_, "/metrics"):
                return .text(405, "method not allowed\n")
            default:
                return .text(404, "not found\n")
            }
        }
    }

    /// Re-reads the configuration file and installs its gateway policy and budgets; on any
    /// error the running configuration stays and the error is returned for the log. Settings
    /// that need new sockets or threads (listen, admin, threads, TLS) apply at the next start.
    public func reload() -> Result<String, ConfigError> {
        guard let path = options.configPath, let services else { return .failure(ConfigError("no configuration file")) }
        do {
            let file = try SidecarConfigFile.load(path: path)
            try services.reload(file: file, options: options)
            return .success(file.contentHash)
        } catch {
            return .failure(error)
        }
    }

    /// Stops accepting, lets in-flight requests and streams finish, and returns once every
    /// loop is idle or `timeout` passed (then open connections are closed). Blocks the caller.
    @discardableResult
    public func drain(timeout: Double) -> Bool {
        draining.store(true, ordering: .releasing)
        let done = DispatchSemaphore(value: 0)
        for (i, loop) in loops.enumerated() {
            let ctx = contexts[i]
            let listener = listeners[i]
            let egressListener = i < egressListeners.count ? egressListeners[i] : nil
            loop.execute {
                listener.close()
                egressListener?.close()
                ctx.onDrained = { done.signal() }
                ctx.beginDrain()
            }
        }
        let deadline = DispatchTime.now() + timeout
        var clean = true
        for _ in loops {
            if done.wait(timeout: deadline) == .timedOut {
                clean = false
                break
            }
        }
        defer {
            services?.usageLog?.flush()
            services?.mcp?.flushAuditLogs()
            services?.budgetStore?.close()
        }
        defer { services?.cluster?.shutdown() }
        if !clean {
            Log.warning("drain timeout after \(timeout)s: closing remaining connections")
            for (i, loop) in loops.enumerated() {
                let ctx = contexts[i]
                loop.execute { ctx.forceClose() }
            }
        }
        return clean
    }

    /// Stops every loop thread.
    public func stop() {
        for loop in loops { loop.stop() }
        adminLoop?.stop()
        for loop in loops { loop.join() }
        adminLoop?.join()
    }
}

import Glibc

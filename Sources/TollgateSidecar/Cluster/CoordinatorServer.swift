import Glibc
import TollgateCrypto
import TollgateHTTP
import TollgateSync
import TollgateTransport

/// `tollgate coordinator` as a process: one event loop running the pure `Coordinator` state
/// machine behind HTTP/2 (h2c with prior knowledge, or TLS with ALPN h2 and optionally mutual
/// auth), with HTTP/1.1 on the same port for older sidecars and tools (preface sniffing, as on
/// the data plane). Sidecars POST authenticated binary frames (the sync wire format) to
/// /v1/sync, one stream per exchange on one connection, and get the coordinator's answers as
/// frames in the response body; messages for other sidecars (end-game notices) wait in a
/// per-node mailbox for their next POST. The admin API shares the server. All coordinator
/// state is confined to the loop.
final class CoordinatorServer: @unchecked Sendable {
    let options: CoordinatorOptions
    private var loop: EventLoop?
    /// The loop, for extensions that hand work to it (a configuration reload).
    var eventLoop: EventLoop? { loop }
    private var listeners: [Listener] = []
    private var connections: [ObjectIdentifier: AnyObject] = [:]
    private var syncTLS: TLSContext?
    private var tlsReloader: SyncTLSReloader?
    private var timer: LoopTimer?

    // Loop-confined.
    var coordinator: Coordinator!
    var codec: WireCodec
    var mailbox: [String: [SyncMessage]] = [:]
    var stats = CoordinatorStats()
    var wasLearning = true
    var mailboxSweptAt: Int64 = 0
    /// The coordinator set from re-resolving --peers (CoordinatorServer+SetWatch.swift).
    var setWatch: CoordinatorSetWatch?
    var peersResolver: PeriodicResolver?
    private(set) var boundAddress: SocketAddress?
    private(set) var boundAdminAddress: SocketAddress?

    static let mailboxLimit = 64
    static let tickSeconds = 0.25

    init(options: CoordinatorOptions) {
        self.options = options
        self.codec = WireCodec(keyring: SyncSecret.keyring(options.syncSecret))
    }

    static func monoNow() -> Int64 { Int64(MonotonicClock.now()) }
    func wallNow() -> Int64 { MonotonicClock.wallNanos() + Int64(options.clockSkewSeconds * 1e9) }

    func start() throws {
        let loop = try EventLoop(index: 0)
        self.loop = loop
        let router: AdminRouter = { [unowned self] method, path, headers, body in
            self.route(method, path, headers, body)
        }
        syncTLS = try options.syncTLS.serverContext()
        if syncTLS != nil { tlsReloader = SyncTLSReloader(settings: options.syncTLS) }
        // The context is read per accept, so a reloaded certificate serves new connections.
        let listener = try Listener(address: options.listen, loop: loop, reusePort: false, tls: syncTLS) { [unowned self] l, fd, peer in
            self.accept(fd: fd, peer: peer, loop: l.loop, router: router, tls: self.syncTLS)
        }
        listeners.append(listener)
        boundAddress = listener.address
        if let a = options.admin {
            let al = try Listener(address: a, loop: loop, reusePort: false, tls: nil) { [unowned self] l, fd, peer in
                self.accept(fd: fd, peer: peer, loop: l.loop, router: router, tls: nil)
            }
            listeners.append(al)
            boundAdminAddress = al.address
        }

        let me = options.advertise ?? listener.address.description
        let set = try Self.resolvePeersAtStart(options.peers, me: me)
        let identity = NodeIdentity(nodeID: me, epoch: UInt64(MonotonicClock.wallNanos() / 1_000_000))
        let now = Self.monoNow()
        var c = Coordinator(identity: identity, coordinators: set, now: now, learning: !options.skipLearning)
        for (spec, policy) in options.budgets {
            c.setBudget(try ClusterBudgetSpec.parse(spec, policy: policy, now: wallNow()))
        }
        coordinator = c
        wasLearning = c.isLearning(now)
        Log.info("tollgate \(TollgateVersion.string) coordinator \(identity) listening on \(listener.address) (\(transportDescription))\(boundAdminAddress.map { ", admin on \($0)" } ?? ""); coordinator set \(set.joined(separator: ",")); \(c.budgets.count) budget(s)" + (wasLearning ? "; learning for \(c.config.coordinatorExpiry / 1_000_000) ms before granting" : ""))
        startWatchingPeers(set, now: now, loop: loop)
        timer = loop.schedule(afterSeconds: Self.tickSeconds) { [unowned self] in self.tick() }
        loop.startThread(name: "tollgate-coordinator")
    }

    func stop() {
        guard let loop else { return }
        peersResolver?.stop()
        loop.execute { [self] in
            for l in listeners { l.close() }
            for c in connections.values { (c as? CoordinatorHTTP2Connection)?.shutdown() }
            loop.stop()
        }
        loop.join()
    }

    /// How the sync port speaks, for the start-up line.
    var transportDescription: String {
        guard options.syncTLS.coordinatorUsesTLS else { return "h2c and HTTP/1.1" }
        return options.syncTLS.clientCAFile == nil ? "TLS: h2 and HTTP/1.1" : "mutual TLS: h2 and HTTP/1.1, client certificates required"
    }

    private func accept(fd: Int32, peer: SocketAddress?, loop: EventLoop, router: @escaping AdminRouter, tls: TLSContext?) {
        guard let c = try? Connection(accepted: fd, peer: peer, loop: loop, tls: tls) else { return }
        Socket.setNoDelay(fd)
        let detector = CoordinatorProtocolDetector(connection: c, isTLS: tls != nil) { [unowned self] d, outcome in
            self.connections[ObjectIdentifier(d)] = nil
            self.handOver(d.connection, outcome, router: router)
        }
        connections[ObjectIdentifier(detector)] = detector
    }

    private func handOver(_ c: Connection, _ outcome: CoordinatorProtocolDetector.Outcome, router: @escaping AdminRouter) {
        switch outcome {
        case .http2(let bytes):
            stats.connections["h2", default: 0] += 1
            let h2 = CoordinatorHTTP2Connection(connection: c, route: { [unowned self] head, body in
                self.route(head.method, head.path, head.headers, body, protocolName: "h2")
            }, onClose: { [unowned self] h in self.connections[ObjectIdentifier(h)] = nil })
            connections[ObjectIdentifier(h2)] = h2
            h2.start(initialBytes: bytes)
        case .http1(let bytes):
            stats.connections["http/1.1", default: 0] += 1
            let ac = AdminConnection(connection: c, router: router) { [unowned self] ac in
                self.connections[ObjectIdentifier(ac)] = nil
            }
            connections[ObjectIdentifier(ac)] = ac
            if !bytes.isEmpty { bytes.withUnsafeBytes { ac.connection(c, didRead: $0) } }
        case .failed(let error, let handshaking):
            guard handshaking else { return }
            noteHandshakeFailure(error, peer: c.peer)
        case .closed:
            break
        }
    }

    /// A peer whose TLS handshake failed (with mutual TLS: no client certificate, or one from
    /// another CA) is counted by reason and logged, at most once per reason every 10 s.
    func noteHandshakeFailure(_ error: TransportError, peer: SocketAddress?) {
        let reason = SyncTLSFailure.classify(verificationFailed: error.code == .tlsVerification, message: error.message)
        stats.tlsFailures[reason.rawValue, default: 0] += 1
        let now = Self.monoNow()
        let last = stats.tlsFailureLoggedAt[reason.rawValue] ?? .min / 2
        guard now - last >= 10_000_000_000 else { return }
        stats.tlsFailureLoggedAt[reason.rawValue] = now
        Log.warning("coordinator: TLS handshake from \(peer?.host ?? "?") refused (\(reason.rawValue)): \(error.message)"
                    + " [\(stats.tlsFailures[reason.rawValue] ?? 0) so far]")
    }

    /// The coordinator's clock drives windows and learning; lease expiry is charged by the
    /// ledger itself (an unreturned lease stays charged), so the timer only rolls windows over,
    /// notes the end of learning and forgets mailboxes of nodes gone quiet.
    private func tick() {
        let now = Self.monoNow()
        for m in coordinator.tick(now: now) { enqueue(m) }
        let learning = coordinator.isLearning(now)
        if wasLearning && !learning { Log.info("coordinator learning done: granting leases") }
        wasLearning = learning
        rollWindows()
        if var r = tlsReloader {
            if let fresh = r.check(now: MonotonicClock.now(), build: { (s) throws(ConfigError) in try s.serverContext() }) { syncTLS = fresh }
            tlsReloader = r
        }
        if now - mailboxSweptAt >= 10_000_000_000 {
            mailboxSweptAt = now
            let live = Set(coordinator.reportingSidecars.filter { now - $0.at < 30_000_000_000 }.map(\.nodeID))
            mailbox = mailbox.filter { live.contains($0.key) }
        }
        timer = loop?.schedule(afterSeconds: Self.tickSeconds) { [unowned self] in self.tick() }
    }

    /// A calendar budget whose window ended gets the next window id (a fresh key, full limit).
    func rollWindows() {
        let wall = wallNow()
        for b in coordinator.budgets.values {
            guard let (_, window) = ClusterBudgetSpec.parseScope(b.scope) else { continue }
            let id = ClusterBudgetSpec.windowID(window, at: wall)
            if id > b.window {
                var nb = b
                nb.window = id
                coordinator.setBudget(nb)
                Log.info("cluster budget \(b.scope): window \(b.window) ended, now \(id)")
            }
        }
    }

    func enqueue(_ m: OutboundMessage) {
        var q = mailbox[m.to] ?? []
        if q.count >= Self.mailboxLimit { q.removeFirst() }
        q.append(m.message)
        mailbox[m.to] = q
    }

    /// POST /v1/sync: frames in, frames out. The `tollgate-node` header names the sender, whose
    /// mailbox is delivered with the answer.
    func handleSync(_ headers: HTTPHeaders, _ body: [UInt8], protocolName: String) -> AdminResponse {
        let node = headers["tollgate-node"] ?? ""
        let now = Self.monoNow()
        stats.syncRequests[protocolName, default: 0] += 1
        var out: [UInt8] = []
        var offset = 0
        while offset < body.count {
            let decoded: (SyncMessage, Int)
            do {
                decoded = try codec.decode(body[offset...])
            } catch {
                stats.rejected[error.code.description, default: 0] += 1
                Log.debug("sync frame from \(node.isEmpty ? "?" : node) rejected: \(error)")
                return .text(400, "rejected sync frame: \(error.code)\n")
            }
            offset += decoded.1
            stats.frames[decoded.0.typeCode, default: 0] += 1
            if case .leaseRequest = decoded.0 { stats.leaseRequests += 1 }
            for r in coordinator.receive(decoded.0, now: now) {
                if case .leaseGrant = r.message { stats.grants += 1 }
                if r.to == node { out += codec.encode(r.message) } else { enqueue(r) }
            }
        }
        if !node.isEmpty, let q = mailbox.removeValue(forKey: node) {
            for m in q { out += codec.encode(m) }
        }
        return AdminResponse(status: 200, contentType: "application/octet-stream", body: out)
    }

    func authorized(_ headers: HTTPHeaders) -> Bool {
        guard let token = options.adminToken else { return false }
        guard let h = headers["authorization"], h.hasPrefix("Bearer ") else { return false }
        return Digest.constantTimeEquals(Array(h.dropFirst(7).utf8), Array(token.utf8))
    }
}

/// Counters for /metrics.
struct CoordinatorStats {
    /// Sync POSTs by protocol ("h2", "http/1.1").
    var syncRequests: [String: Int] = [:]
    /// Connections accepted on the sync and admin ports, by protocol: a sidecar keeps one
    /// HTTP/2 connection per coordinator, so this grows with reconnects, not with requests.
    var connections: [String: Int] = [:]
    /// TLS handshakes refused, by `SyncTLSFailure` reason.
    var tlsFailures: [String: Int] = [:]
    var tlsFailureLoggedAt: [String: Int64] = [:]
    var leaseRequests = 0
    var grants = 0
    var frames: [UInt8: Int] = [:]
    var rejected: [String: Int] = [:]
}

import Glibc
import Synchronization
import TollgateSync
import TollgateTransport

/// The sidecar's cluster budgets: the pure `SidecarSyncState` behind a lock, fed by a sync
/// thread that talks to the coordinators (HTTP/2, authenticated frames) and to peer sidecars
/// (UDP gossip and lease custody). Exchange filters ask it for admissions; it admits from
/// leases only, and the sync thread fetches leases ahead of need.
final class ClusterBudgets: @unchecked Sendable {
    /// How an admission ended.
    struct Counters {
        var admitted = 0
        var refused = 0
        var timedOut = 0
        var waits = 0
    }

    let identity: NodeIdentity
    let options: ClusterOptions
    let coordinatorIDs: [String]
    let state: Mutex<SidecarSyncState>
    let counters = Mutex(Counters())
    /// Each coordinator link as the sync thread last saw it (SyncLinkState.swift).
    let links = Mutex<[String: SyncLinkState]>([:])
    let running = Atomic<Bool>(false)
    let skewNanos: Int64

    // Sync-thread confined.
    var codec: WireCodec
    var clients: [String: SyncHTTP2Client] = [:]
    /// The host name --coordinator gave (verified in TLS) for coordinators added later by a
    /// set change, when it names one Service.
    var coordinatorServiceName: String?
    var tlsReloader: SyncTLSReloader?
    let gossip: GossipSocket?
    var seeds: [SocketAddress]
    var seedsHeard: Set<String> = []
    var lastSeedPing: Int64 = .min / 2
    var memberStates: [String: MemberState] = [:]
    var seq: UInt64 = 0
    let walPath: String?
    var ledgerSchedule = LedgerCommitSchedule(interval: ClusterBudgets.ledgerCommitInterval)
    /// The ledger file's group-commit interval (also the WAL ceilings' `walCommitInterval`).
    static let ledgerCommitInterval: Int64 = 100_000_000
    /// The --coordinator names (not ID=ADDR relays), re-resolved every few seconds; the newest
    /// answer waits here for the sync thread (`SidecarSyncState.observeResolvedSet`).
    let coordinatorNames: [String]
    let resolvedCoordinators = Mutex<[String]?>(nil)
    private var coordinatorResolver: PeriodicResolver?
    static let coordinatorResolveSeconds = 5.0
    var wakeFDs: [Int32] = [-1, -1]
    var wakeFDsRead: Int32 { wakeFDs[0] }
    private var thread: pthread_t?

    init(options: ClusterOptions) throws(ConfigError) {
        self.options = options
        skewNanos = Int64(options.clockSkewSeconds * 1e9)
        // ID=ADDR reaches coordinator ID through another address (a proxy, a test relay).
        var via: [String: String] = [:]
        var plain: [String] = []
        for c in options.coordinators {
            if let eq = c.firstIndex(of: "=") { via[String(c[..<eq])] = String(c[c.index(after: eq)...]) } else { plain.append(c) }
        }
        coordinatorNames = plain
        let named = try CoordinatorSet.resolveNamed(plain)
        coordinatorIDs = named.map(\.id) + via.keys.sorted()
        guard !coordinatorIDs.isEmpty else { throw ConfigError("--coordinator: no addresses") }
        let secret = try SyncSecret.load(file: options.syncSecretFile, literal: options.syncSecret)
        codec = WireCodec(keyring: SyncSecret.keyring(secret))
        let g: GossipSocket? = try options.gossipListen.map { (a) throws(ConfigError) in try GossipSocket(listen: a) }
        gossip = g
        let own = g?.address
        var rnd = UInt64(bitPattern: MonotonicClock.wallNanos()) ^ UInt64(getpid()) << 40
        for b in (ClusterFiles.read("/dev/urandom", max: 8) ?? []).prefix(8) { rnd = rnd << 8 ^ UInt64(b) ^ rnd >> 56 }
        let r = rnd
        var id = try NodeIdentityStore.resolve(flag: options.nodeID, env: getenv("TOLLGATE_NODE_ID").map { String(cString: $0) },
                                               dataDir: options.dataDir, wallMillis: UInt64(MonotonicClock.wallNanos() / 1_000_000),
                                               random: { r })
        if let own { id.nodeID += "@\(options.gossipAdvertise ?? own.description)" }
        identity = id
        var seedAddrs: [SocketAddress] = []
        for s in options.gossipSeeds {
            guard let colon = s.lastIndex(of: ":"), let port = UInt16(s[s.index(after: colon)...]),
                  let a = try? Socket.resolve(host: String(s[..<colon]), port: port) else {
                throw ConfigError("--gossip-seeds: cannot resolve '\(s)'")
            }
            seedAddrs += a.filter { $0 != own }
        }
        seeds = seedAddrs
        // The ledger (WAL) kept in the data dir as an authenticated frame: a restart reports its
        // entries for the earlier epochs. With a data dir the WAL carries spend ceilings, so a
        // kill -9 closes the dead epoch's leases at a bound the file proves, not in full.
        walPath = options.dataDir.map { $0 + "/cluster-ledger" }
        var recovered: SidecarWAL?
        if let path = walPath, let bytes = ClusterFiles.read(path, max: 16 << 20), !bytes.isEmpty {
            if let (m, _) = try? WireCodec.decodeFrame(bytes[...], keyring: codec.keyring), case .leaseReturn(let r) = m {
                recovered = SidecarWAL(identity: r.holder, entries: r.entries)
                Log.info("cluster: recovered \(r.entries.count) ledger entries of earlier epochs from \(path)")
            } else {
                Log.warning("cluster: ignoring \(path): not a ledger frame for this sync secret")
            }
        }
        var config = SyncConfig()
        config.walCeilings = walPath != nil
        config.walCommitInterval = Self.ledgerCommitInterval
        state = Mutex(SidecarSyncState(identity: id, config: config, coordinators: coordinatorIDs, seed: r,
                                       now: Int64(MonotonicClock.now()) + skewNanos, recovering: recovered))
        // One HTTP/2 connection per coordinator; TLS when configured. Through a relay (ID=ADDR)
        // the certificate is still verified against the coordinator's own address.
        let tls = try options.syncTLS.clientContext()
        if tls != nil { tlsReloader = SyncTLSReloader(settings: options.syncTLS) }
        var names: [String: String] = [:]
        for n in named { names[n.id] = n.name }
        if Set(named.map(\.name)).count == 1 { coordinatorServiceName = named.first?.name }
        for c in coordinatorIDs {
            clients[c] = SyncHTTP2Client(target: via[c] ?? c, serverName: names[c] ?? SyncHTTP2Client.host(of: c), tls: tls)
        }
        let initial = clients.mapValues(\.link)
        links.withLock { $0 = initial }
    }

    func now() -> Int64 { Int64(MonotonicClock.now()) + skewNanos }

    /// Starts the sync thread.
    func start() {
        pipe(&wakeFDs)
        for fd in wakeFDs { _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
        running.store(true, ordering: .releasing)
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        pthread_create(&t, nil, { arg in
            let me = Unmanaged<ClusterBudgets>.fromOpaque(arg!).takeRetainedValue()
            me.runSyncThread()
            return nil
        }, box.toOpaque())
        thread = t
        if !coordinatorNames.isEmpty {
            let r = PeriodicResolver(interval: Self.coordinatorResolveSeconds, names: coordinatorNames,
                                     resolve: { try? CoordinatorSet.resolveNamed($0) },
                                     deliver: { [unowned self] answer in
                let ids = answer.map(\.id)
                resolvedCoordinators.withLock { $0 = ids }
            })
            coordinatorResolver = r
            r.start()
        }
        Log.info("cluster: node \(identity), coordinators \(coordinatorIDs.joined(separator: ","))" + (gossip.map { "; gossip on udp \($0.address)" + (seeds.isEmpty ? "" : ", seeds \(seeds.map(\.description).joined(separator: ","))") } ?? "; no gossip (lease custody off)"))
    }

    func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        coordinatorResolver?.stop()
        wake()
        if let t = thread { pthread_join(t, nil) }
    }

    /// After draining: stops the sync thread, then hands unspent escrow back to the coordinators
    /// with the final spend (a rolling restart strands nothing; a kill -9 strands its leases).
    func shutdown() {
        stop()
        let now = self.now()
        let (out, wal) = state.withLock { s in
            s.checkpoint()
            s.returnAll()
            return (s.tick(now: now), s.checkpoint())
        }
        deliver(out, depth: 3)
        writeLedger(wal, now: now, force: true)
        Log.info("cluster: returned unspent leases to the coordinator")
    }

    /// Keeps the ledger (own entries of every epoch, as last checkpointed) in the data dir, at
    /// most every 100 ms and only when it changed, and confirms each record that is on disk to
    /// the state machine (its spend ceilings then replace older ones). It may lag what was
    /// reported; coordinators merge by maximum, so a lagging copy never lowers anything.
    func writeLedger(_ wal: SidecarWAL, now: Int64, force: Bool = false) {
        guard let path = walPath else { return }
        switch ledgerSchedule.step(wal, now: now, force: force) {
        case .notYet: return
        case .unchanged: break
        case .write:
            guard ClusterFiles.write(path, codec.encode(.leaseReturn(LeaseReturn(holder: wal.identity, entries: wal.entries)))) else {
                Log.warning("cluster: cannot write \(path)")
                ledgerSchedule.failed(now: now)
                return
            }
            ledgerSchedule.wrote(wal, now: now)
        }
        state.withLock { $0.walCommitted(wal.seq) }
    }

    /// Nudges the sync thread (a lease was asked for).
    func wake() {
        var b: UInt8 = 1
        _ = write(wakeFDs[1], &b, 1)
    }

    // MARK: Admission (event-loop threads)

    /// The cluster budgets known now.
    var budgets: [ClusterBudget] { state.withLock { $0.knownBudgets } }

    /// Every coordinator has answered at least once, so the budget list is complete.
    var synced: Bool { state.withLock { s in coordinatorIDs.allSatisfy { s.hasHeard(from: $0) } } }

    /// One admission attempt that never waits: `.wait` means the sync thread has been asked
    /// for a lease and the caller should try again shortly (from a timer, not a sleep).
    func tryAdmit(_ scope: String, amount: Int64, waitingSince: Int64? = nil) -> SyncAdmission {
        let r = state.withLock { $0.tryAdmit(scope, amount: amount, now: now(), waitingSince: waitingSince) }
        switch r {
        case .admitted: counters.withLock { $0.admitted += 1 }
        case .refused: counters.withLock { $0.refused += 1 }
        case .wait: wake()
        }
        return r
    }

    /// Counts an admission that gave up waiting (the caller's deadline passed).
    func noteTimedOut() { counters.withLock { $0.timedOut += 1 } }

    /// Counts an admission that had to wait for a lease before it was admitted.
    func noteWaited() { counters.withLock { $0.waits += 1 } }

    func settle(_ scope: String, ticket: LeaseTicket, reserved: Int64, actual: Int64) {
        state.withLock { $0.settle(scope, ticket: ticket, reserved: reserved, actual: actual, now: now()) }
    }
}

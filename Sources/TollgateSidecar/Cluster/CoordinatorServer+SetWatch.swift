import Glibc
import TollgateSync
import TollgateTransport

/// Follows the coordinator set as DNS changes it: --peers is re-resolved every few seconds off
/// the event loop (a headless Service's addresses change as pods come and go), and a changed set
/// is adopted with `setCoordinators` under the term `CoordinatorSetWatch` picks. A configuration
/// reload that changes `peers:` feeds the same watch (CoordinatorServer+Reload.swift).
extension CoordinatorServer {
    static let peersResolveSeconds = 5.0

    func startWatchingPeers(_ set: [String], now: Int64, loop: EventLoop) {
        guard !options.peers.isEmpty else { return }
        makeSetWatch(set, now: now)
        startPeersResolver(options.peers, loop: loop)
    }

    /// On the loop (or before it runs): the watch starts from the set in use.
    func makeSetWatch(_ set: [String], now: Int64) {
        let stableAfter = coordinator.config.setChangeSpread + Int64(2 * Self.peersResolveSeconds * 1e9)
        setWatch = CoordinatorSetWatch(members: set, term: coordinator.term, now: now, stableAfter: stableAfter)
    }

    func startPeersResolver(_ names: [String], loop: EventLoop) {
        let r = PeriodicResolver(interval: Self.peersResolveSeconds, names: names,
                                 resolve: { try? CoordinatorSet.resolveNamed($0) },
                                 deliver: { [unowned self] answer in
            let ids = answer.map(\.id)
            loop.execute { [self] in self.observePeers(ids, now: Self.monoNow()) }
        })
        peersResolver = r
        r.start()
    }

    /// A fresh answer for --peers (on the loop).
    func observePeers(_ ids: [String], now: Int64) {
        if setWatch == nil { makeSetWatch(coordinator.coordinators, now: now) }
        guard var w = setWatch else { return }
        let adopt = w.observe(ids, fencedTerm: coordinator.fencingTerm, now: now)
        setWatch = w
        guard let (members, term) = adopt else { return }
        coordinator.setCoordinators(members, term: term, now: now)
        let me = coordinator.identity.nodeID
        Log.info("coordinator set term \(term): \(members.joined(separator: ","))" + (members.contains(me) ? "" : " (without this coordinator \(me): it owns no keys)"))
    }
}

extension CoordinatorServer {
    /// How long a starting coordinator waits for its DNS name to list it (a pod added behind a
    /// headless Service can start before the name's answer includes it).
    static let peersStartWaitSeconds = 30.0

    /// The set at start: --peers resolved (this coordinator alone without them). When the
    /// entries include DNS names and the answer does not list this coordinator yet (or does not
    /// resolve), it asks again every second for up to `peersStartWaitSeconds` before giving up:
    /// exiting at once would only turn DNS propagation into restart back-off. Plain addresses
    /// are checked once.
    static func resolvePeersAtStart(_ peers: [String], me: String, wait: Double = peersStartWaitSeconds,
                                    lookup: CoordinatorSet.Lookup = CoordinatorSet.systemLookup,
                                    sleep: (Double) -> Void = { usleep(UInt32($0 * 1e6)) }) throws(ConfigError) -> [String] {
        guard !peers.isEmpty else { return [me] }
        let names = peers.contains { (try? SocketAddress(parsing: $0)) == nil }
        var waited = 0.0
        while true {
            let problem: ConfigError
            do {
                let set = try CoordinatorSet.resolve(peers, lookup: lookup)
                if set.contains(me) { return set }
                problem = ConfigError("this coordinator (\(me)) is not in --peers (\(set.joined(separator: ","))); pass --advertise ADDR as listed there")
            } catch {
                problem = error
            }
            guard names && waited < wait else { throw problem }
            if waited == 0 { Log.info("coordinator: waiting up to \(Int(wait)) s for --peers to list this coordinator: \(problem)") }
            sleep(1)
            waited += 1
        }
    }
}

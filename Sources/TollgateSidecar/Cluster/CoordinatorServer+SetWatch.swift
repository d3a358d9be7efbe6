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

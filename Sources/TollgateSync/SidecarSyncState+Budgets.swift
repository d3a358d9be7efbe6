/// Read-only figures for the sidecar's cluster budgets (admission and the admin API).
extension SidecarSyncState {
    /// The cluster budgets this sidecar has learned (from coordinators or gossip), by scope.
    public var knownBudgets: [ClusterBudget] { keys.values.map(\.budget).sorted { $0.scope < $1.scope } }

    /// Units reserved by admissions not yet settled.
    public func inFlight(_ scope: String) -> Int64 { keys[scope]?.inFlight ?? 0 }

    /// Unspent escrow in open leases (activated or not), excluding reserves.
    public func heldEscrow(_ scope: String) -> Int64 {
        keys[scope]?.leases.filter { !$0.closed && !$0.isReserve }.reduce(0) { $0 + $1.available } ?? 0
    }
}

extension SidecarSyncState {
    /// Whether coordinator `c` has answered at least once (its budget definitions are known).
    public func hasHeard(from c: String) -> Bool { (views[c]?.epoch ?? 0) > 0 }

    /// Whether coordinator `c` said it is learning (rebuilding its ledger after a start).
    public func isLearning(_ c: String) -> Bool { views[c]?.learning ?? false }
}

extension SidecarSyncState {
    /// Shutting down (after draining): closes every open lease, reserves included, so the next
    /// `tick` hands back what is unspent and reports the final spend to every coordinator.
    /// Reservations still in flight stay charged.
    public mutating func returnAll() {
        for c in views.keys.sorted() { views[c]!.lastReport = .min / 2 }
        for scope in keys.keys.sorted() {
            var ks = keys[scope]!
            for i in ks.leases.indices where !ks.leases[i].closed { close(&ks, i) }
            keys[scope] = ks
        }
    }
}

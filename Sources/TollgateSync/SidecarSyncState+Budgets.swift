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

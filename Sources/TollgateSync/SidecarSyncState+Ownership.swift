/// The sidecar's side of coordinator-set changes (see `Coordinator+Ownership`): it adopts a later
/// set from budget definitions (a coordinator's or gossip's), moves each key to its new owner
/// (leases already held stay spendable until ttl and are reported to the new owner), and fences
/// grants from superseded owners.
extension SidecarSyncState {
    /// Adopts the coordinator set of `d` if its term is later than ours.
    mutating func adoptSet(from d: BudgetDefinitions) {
        guard d.term > term, !d.members.isEmpty else { return }
        term = d.term
        coordinators = d.members.sorted()
        for c in coordinators where views[c] == nil { views[c] = CoordinatorView(lastHeard: lastNow) }
        for scope in keys.keys.sorted() {
            guard let o = Rendezvous.owner(of: scope, among: coordinators), o != keys[scope]!.owner else { continue }
            var ks = keys[scope]!
            ks.owner = o
            ks.pending = nil
            ks.nextAskAt = .min / 2
            ks.exhausted = nil
            ks.exhaustedSince = nil
            ks.tight = false
            keys[scope] = ks
        }
        // Report to everyone in the new set at once: a new owner is learning now.
        for c in coordinators { views[c]!.lastReport = .min / 2 }
    }

    /// A grant this sidecar must not spend: from an earlier term, or under our term not from the key's owner.
    func isFenced(_ g: LeaseGrant) -> Bool {
        if g.term < term { return true }
        return g.term == term && owner(of: g.key.scope) != g.issuer.nodeID
    }
}

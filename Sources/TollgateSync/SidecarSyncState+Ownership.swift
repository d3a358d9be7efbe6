/// The sidecar's side of coordinator-set changes (see `Coordinator+Ownership`): it adopts a later
/// set from budget definitions (a coordinator's or gossip's), moves each key to its new owner
/// (leases already held stay spendable until ttl and are reported to the new owner), and fences
/// grants from superseded owners.
extension SidecarSyncState {
    /// Adopts the coordinator set of `d` if its term is later than ours.
    mutating func adoptSet(from d: BudgetDefinitions) {
        guard d.term > term, !d.members.isEmpty else { return }
        term = d.term
        moveKeys(to: d.members)
    }

    /// A fresh DNS answer for the coordinator name this sidecar was started with. It is adopted
    /// (under the current term) only when it differs from the set in use and no coordinator of
    /// that set has been heard from for `unreachableAfter`: every coordinator was replaced at
    /// once by processes at new addresses (one coordinator restarted on a new pod address, a
    /// whole StatefulSet rolled together), so no member is left to announce the new set. The new
    /// coordinators are fenced by this sidecar's term until they take it for the set they
    /// resolve (`CoordinatorSetWatch`), then learn as after any restart, so nothing is granted
    /// twice. Returns whether the set was replaced.
    @discardableResult
    public mutating func observeResolvedSet(_ members: [String], now: Int64) -> Bool {
        lastNow = max(lastNow, now)
        let fresh = Array(Set(members)).sorted()
        guard !fresh.isEmpty, fresh != coordinators.sorted(),
              coordinators.allSatisfy({ !coordinatorReachable($0, now: now) }) else { return false }
        moveKeys(to: fresh)
        return true
    }

    /// Moves to the coordinator set `members`: each key to its owner there, reports to all at once.
    mutating func moveKeys(to members: [String]) {
        coordinators = members.sorted()
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

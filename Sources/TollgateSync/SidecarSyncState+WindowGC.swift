/// Reclaiming closed windows at a sidecar. The live state of a key is replaced as soon as its
/// budget moves to a new window (`apply`); what lingers is the custody it keeps for peers and the
/// entries of its own earlier epochs recovered from the WAL. Those are dropped `windowGrace`
/// after their window closed (a new window, or the budget removed by its owner), so memory stays
/// bounded over any number of windows.
extension SidecarSyncState {
    /// Keys this sidecar holds any state for (live keys, custody, earlier epochs' entries).
    public var retainedKeys: Int {
        var all = Set(keys.values.map(\.budget.key))
        all.formUnion(custody.budgetKeys)
        for e in priorEntries { all.insert(e.key) }
        return all.count
    }

    /// A key whose window is over: its scope has a newer window here, or its budget was removed.
    func isClosed(_ key: BudgetKey) -> Bool {
        if let ks = keys[key.scope] { return ks.budget.window > key.window }
        return removedScopes.contains(key.scope)
    }

    mutating func collectGarbage(now: Int64) {
        guard now - collectedAt >= config.refreshInterval else { return }
        collectedAt = now
        var seen = Set<BudgetKey>()
        for k in custody.budgetKeys where isClosed(k) { seen.insert(k) }
        for e in priorEntries where isClosed(e.key) { seen.insert(e.key) }
        var expired = Set<BudgetKey>()
        for k in seen.sorted() {
            let at = closedSince[k] ?? now
            closedSince[k] = at
            if now - at >= config.windowGrace { expired.insert(k) }
        }
        closedSince = closedSince.filter { seen.contains($0.key) && !expired.contains($0.key) }
        guard !expired.isEmpty else { return }
        for k in expired.sorted() { custody.removeKey(k) }
        priorEntries.removeAll { expired.contains($0.key) }
        let referenced = Set(custody.budgetKeys.map(\.scope) + priorEntries.map(\.key.scope))
        removedScopes = removedScopes.filter { referenced.contains($0) }
    }
}

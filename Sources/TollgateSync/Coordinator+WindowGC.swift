/// Reclaiming closed windows at the coordinator. A key `(scope, window)` closes when its budget
/// moves to a new window or is removed; its ledger, demand and end-game state stay for
/// `SyncConfig.windowGrace` (leases of the old window still end, late reports still merge) and
/// are then dropped. Reports about a window that is neither current nor within its grace are
/// ignored, so a lagging sidecar cannot bring a collected window back.
extension Coordinator {
    /// Closed windows still in their grace period.
    public var closingKeys: Int { closing.count }

    /// Keys the coordinator holds state for (ledger, demand): bounded by live budgets plus keys in grace.
    public var retainedKeys: Int { Set(ledger.budgetKeys).union(demand.keys).count }

    /// Whether an entry about `key` may be merged: its budget's current window, or a closed one in grace.
    func accepts(_ key: BudgetKey) -> Bool {
        if let b = budgets[key.scope], b.window == key.window { return true }
        return closing[key] != nil
    }

    mutating func noteClosed(_ key: BudgetKey) {
        if closing[key] == nil { closing[key] = .min }   // stamped by the next collection
    }

    /// Drops closed windows whose grace has passed (at most once per refresh interval).
    public mutating func collectGarbage(now: Int64) {
        guard !closing.isEmpty, now - collectedAt >= config.refreshInterval else { return }
        collectedAt = now
        for key in closing.keys.sorted() {
            let at = closing[key]!
            if at == .min { closing[key] = now; continue }
            guard now - at >= config.windowGrace else { continue }
            closing[key] = nil
            ledger.removeKey(key)
            demand[key] = nil
            tightAnnounced.remove(key)
        }
    }
}

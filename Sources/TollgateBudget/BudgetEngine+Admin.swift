extension BudgetEngine {
    /// Admin: set the current window's settled usage to `used` (decided under the budget's
    /// lock, so a settlement landing meanwhile is not lost), journaled as the difference.
    /// Returns the delta applied, or nil if no such budget.
    @discardableResult
    public func setUsed(_ id: String, to used: Int64, now: UTCNanos) -> Int64? {
        guard let cell = table().cell(id) else { return nil }
        let (window, delta) = cell.state.withLock { c -> (Int64, Int64) in
            c.advance(to: now)
            let delta = max(0, used).subtractingReportingOverflow(c.consumed)
            let d = delta.overflow ? (used > 0 ? Int64.max : Int64.min) : delta.partialValue
            c.adjust(by: d)
            return (c.windowID, d)
        }
        if delta != 0 { _ = journal?.append(.adjust(entries: [WALEntry(budgetID: id, windowID: window, amount: delta)])) }
        return delta
    }

    /// One budget's current state, or nil if no such budget.
    public func status(_ id: String, now: UTCNanos) -> BudgetStatus? {
        snapshot(now: now).first { $0.id == id }
    }
}

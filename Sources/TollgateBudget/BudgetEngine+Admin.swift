extension BudgetEngine {
    /// Admin: set the current window's settled usage to `used` (decided under the budget's
    /// lock, so a settlement landing meanwhile is not lost), journaled as the difference.
    /// Nil if no such budget.
    @discardableResult
    public func setUsed(_ id: String, to used: Int64, now: UTCNanos) -> BudgetChange? {
        guard let cell = table().cell(id) else { return nil }
        let (window, delta) = cell.state.withLock { c -> (Int64, Int64) in
            c.advance(to: now)
            let delta = max(0, used).subtractingReportingOverflow(c.consumed)
            let d = delta.overflow ? (used > 0 ? Int64.max : Int64.min) : delta.partialValue
            c.adjust(by: d)
            return (c.windowID, d)
        }
        let ticket = journal?.append(.adjust(entries: [WALEntry(budgetID: id, windowID: window, amount: delta)]))
        return BudgetChange(windowID: window, delta: delta, ticket: ticket)
    }

    /// One budget's current state, or nil if no such budget.
    public func status(_ id: String, now: UTCNanos) -> BudgetStatus? {
        snapshot(now: now).first { $0.id == id }
    }
}

/// What an admin change did: the window it applied to, the change of settled usage, and the
/// WAL ticket of its record (answer the operator once it is durable).
public struct BudgetChange: Sendable, Equatable {
    public var windowID: Int64
    public var delta: Int64
    public var ticket: WALTicket?
}

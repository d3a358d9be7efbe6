extension BudgetEngine {
    /// Admin: set the current window's settled usage to `used` (decided under the budget's
    /// lock, so a settlement landing meanwhile is not lost), journaled as the difference.
    /// Nil if no such budget.
    @discardableResult
    public func setUsed(_ id: String, to used: Int64, now: UTCNanos) -> BudgetChange? {
        adminChange(id, now: now) { c in
            let delta = max(0, used).subtractingReportingOverflow(c.consumed)
            c.adjust(by: delta.overflow ? Int64.max : delta.partialValue)
        }
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

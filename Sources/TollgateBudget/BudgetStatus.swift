/// One budget's state as GET /budgets and the metrics show it.
public struct BudgetStatus: Sendable, Equatable {
    public var id: String
    public var scope: String
    public var unit: BudgetUnit
    public var window: BudgetWindow
    public var mode: BudgetMode
    public var limit: Int64
    /// Settled usage in the current window (for a rate: what has not yet refilled).
    public var used: Int64
    /// Held by requests in flight.
    public var reserved: Int64
    public var remaining: Int64
    public var windowID: Int64
    /// Nanoseconds until the window resets; nil if it never does.
    public var resetInNanos: Int64?
    public var refusals: Int64
    public var softAlerts: Int64
}

extension BudgetEngine {
    /// Every budget's current state, in table order.
    public func snapshot(now: UTCNanos) -> [BudgetStatus] {
        table().cells.map { cell in
            let c = cell.counter(now: now)
            return BudgetStatus(id: cell.id, scope: cell.scope.description, unit: cell.unit, window: cell.window,
                                mode: c.mode, limit: c.limit, used: c.consumed, reserved: c.reserved,
                                remaining: max(0, c.remaining), windowID: c.windowID,
                                resetInNanos: c.resetIn(now: now), refusals: c.refusals, softAlerts: c.softAlerts)
        }
    }

    /// Admin: zero the current window's settled usage. Nil if no such budget.
    @discardableResult
    public func reset(_ id: String, now: UTCNanos) -> BudgetChange? {
        adminChange(id, now: now) { $0.reset() }
    }

    /// Admin: add `delta` (negative refunds) to the current window's settled usage. Nil if no
    /// such budget.
    @discardableResult
    public func adjust(_ id: String, by delta: Int64, now: UTCNanos) -> BudgetChange? {
        adminChange(id, now: now) { $0.adjust(by: delta) }
    }

    /// Applies an admin change under the budget's lock and journals what it actually changed
    /// (after clamping at zero) as an adjust record. A plain difference, unlike "reset" or
    /// "set to", commutes with the settlements the WAL may order before or after it (they sit
    /// in other append queues), so replay ends at exactly the usage the engine had.
    func adminChange(_ id: String, now: UTCNanos, _ change: (inout BudgetCounter) -> Void) -> BudgetChange? {
        guard let cell = table().cell(id) else { return nil }
        let (window, delta) = cell.state.withLock { c -> (Int64, Int64) in
            c.advance(to: now)
            let before = c.consumed
            change(&c)
            return (c.windowID, c.consumed.subtractingReportingOverflow(before).partialValue)
        }
        let ticket = delta == 0 ? nil : journal?.append(.adjust(entries: [WALEntry(budgetID: id, windowID: window, amount: delta)]))
        return BudgetChange(windowID: window, delta: delta, ticket: ticket)
    }

    /// After recovery: charge each budget's current window with the recovered total (settled usage
    /// plus unsettled reservations in full). Rate and concurrency budgets start afresh: a rate
    /// is about the last seconds, and no request survives a restart.
    public func restore(_ totals: [WALWindowKey: Int64], now: UTCNanos, only ids: Set<String>? = nil) {
        for cell in table().cells where !cell.isRateLimit && ids.map({ $0.contains(cell.id) }) ?? true {
            cell.state.withLock { c in
                c.advance(to: now)
                if let used = totals[WALWindowKey(budgetID: cell.id, windowID: c.windowID)] {
                    c.adjust(by: used)
                }
            }
        }
    }
}

import Synchronization

/// One budget's identity plus its counter behind its own Mutex. Cells are the unit of locking:
/// a request locks only the cells that apply to it, in `ordinal` order, so two requests never
/// wait on each other unless they share a budget, and never deadlock.
public final class BudgetCell: Sendable {
    public let id: String
    public let scope: BudgetScope
    public let unit: BudgetUnit
    public let window: BudgetWindow
    /// Global lock order. Assigned once per cell from a process-wide counter.
    public let ordinal: UInt64
    let state: Mutex<BudgetCounter>

    init(_ d: BudgetDefinition, ordinal: UInt64, now: UTCNanos) {
        id = d.id
        scope = d.scope
        unit = d.unit
        window = d.window
        self.ordinal = ordinal
        state = Mutex(BudgetCounter(d, now: now))
    }

    public var isRateLimit: Bool { window.isRate || unit == .concurrent }

    /// A copy of the counter brought to `now` (for status and tests).
    public func counter(now: UTCNanos) -> BudgetCounter {
        state.withLock { c in
            c.advance(to: now)
            return c
        }
    }
}

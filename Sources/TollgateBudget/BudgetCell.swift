import Synchronization

/// One budget's identity plus its counter behind its own lock (see `AdaptiveMutex`). Cells are the unit of locking:
/// a request locks only the cells that apply to it, in `lockOrder`, so two requests never wait
/// on each other unless they share a budget, and never deadlock.
public final class BudgetCell: Sendable {
    public let id: String
    public let scope: BudgetScope
    public let unit: BudgetUnit
    public let window: BudgetWindow
    /// Global lock order. Assigned once per cell from a process-wide counter.
    public let ordinal: UInt64
    /// The global lock order: most specific scopes first, the global budget last. Every request
    /// that touches the global budget locks it innermost, so it is held for the shortest time
    /// (just its own check and apply) and contention on it stays low.
    public let lockOrder: UInt64
    let state: AdaptiveMutex<BudgetCounter>

    init(_ d: BudgetDefinition, ordinal: UInt64, now: UTCNanos) {
        id = d.id
        scope = d.scope
        unit = d.unit
        window = d.window
        self.ordinal = ordinal
        lockOrder = UInt64(BudgetScope.Kind.allCases.count - d.scope.constraints.count) << 56 | (ordinal & (1 << 56 - 1))
        state = AdaptiveMutex(BudgetCounter(d, now: now))
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

import Synchronization

/// A clock that moves only when told: for tests of anything built on the engine (filters,
/// admin endpoints) that need to cross a UTC midnight or refill a bucket on demand.
public final class ManualBudgetClock: BudgetClock {
    private let now: Atomic<Int64>

    public init(_ start: UTCNanos) { now = Atomic(start) }

    public func nowNanos() -> UTCNanos { now.load(ordering: .acquiring) }

    public func set(_ t: UTCNanos) { now.store(t, ordering: .releasing) }

    public func advance(by nanos: Int64) { now.wrappingAdd(nanos, ordering: .acquiringAndReleasing) }
}

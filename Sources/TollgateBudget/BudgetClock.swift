/// Wall time in UTC nanoseconds since the Unix epoch. The budget logic never reads the system
/// clock itself: callers pass `now`, so tests can drive windows across UTC boundaries.
public typealias UTCNanos = Int64

/// Where the caller gets `now` from. The sidecar uses `SystemBudgetClock`; tests use a manual one.
public protocol BudgetClock: Sendable {
    func nowNanos() -> UTCNanos
}

public enum Nanos {
    public static let perMicrosecond: Int64 = 1_000
    public static let perMillisecond: Int64 = 1_000_000
    public static let perSecond: Int64 = 1_000_000_000
    public static let perMinute: Int64 = 60 * perSecond
    public static let perHour: Int64 = 60 * perMinute
    public static let perDay: Int64 = 24 * perHour

    /// Whole seconds, rounded up, so a Retry-After never invites a retry that is still too early.
    public static func secondsRoundedUp(_ nanos: Int64) -> Int64 {
        nanos <= 0 ? 0 : (nanos + perSecond - 1) / perSecond
    }
}

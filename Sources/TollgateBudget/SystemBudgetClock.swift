#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real UTC wall clock (CLOCK_REALTIME). Calendar windows are defined in UTC wall time, so
/// this is the one place a wall clock is read; rates only use differences of it.
public struct SystemBudgetClock: BudgetClock {
    public init() {}

    public func nowNanos() -> UTCNanos {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * Nanos.perSecond + Int64(ts.tv_nsec)
    }
}

/// The period a budget's limit applies to.
///
/// - `rolling`: a rate (limit per N seconds), enforced as a token bucket that refills
///   continuously, so there is no burst at a boundary. It has no window id.
/// - `hour`, `day`, `month`: calendar windows in UTC. Counters restart at the boundary; each
///   window has an id (epoch hours, epoch days, year*12+month-1) used in the WAL and by sync.
/// - `lifetime`: never resets.
public enum BudgetWindow: Hashable, Sendable {
    case rolling(seconds: Int64)
    case hour
    case day
    case month
    case lifetime

    public static let perSecond = BudgetWindow.rolling(seconds: 1)
    public static let perMinute = BudgetWindow.rolling(seconds: 60)

    /// True for token-bucket rates; false for calendar and lifetime windows.
    public var isRate: Bool {
        if case .rolling = self { return true }
        return false
    }

    /// Length of a rolling window in nanoseconds (the bucket refills `limit` per this period).
    public var periodNanos: Int64? {
        if case .rolling(let s) = self { return s * Nanos.perSecond }
        return nil
    }

    /// The spelling used by `--budget` and in messages.
    public var name: String {
        switch self {
        case .rolling(1): "second"
        case .rolling(60): "minute"
        case .rolling(let s): "\(s)s"
        case .hour: "hour"
        case .day: "day"
        case .month: "month"
        case .lifetime: "lifetime"
        }
    }
}

extension BudgetWindow {
    /// The calendar window containing `now`. Rolling and lifetime budgets have a single window, 0.
    public func windowID(at now: UTCNanos) -> Int64 {
        switch self {
        case .rolling, .lifetime:
            return 0
        case .hour:
            return UTCCalendar.floorDiv(now, Nanos.perHour)
        case .day:
            return UTCCalendar.floorDiv(now, Nanos.perDay)
        case .month:
            let c = UTCCalendar.civil(fromDays: UTCCalendar.floorDiv(now, Nanos.perDay))
            return c.year * 12 + (c.month - 1)
        }
    }

    /// Start instant of a calendar window id; nil for rolling and lifetime windows.
    public func windowStart(_ id: Int64) -> UTCNanos? {
        switch self {
        case .rolling, .lifetime:
            return nil
        case .hour:
            return id * Nanos.perHour
        case .day:
            return id * Nanos.perDay
        case .month:
            let year = UTCCalendar.floorDiv(id, 12)
            let month = id - year * 12 + 1
            return UTCCalendar.days(year: year, month: month, day: 1) * Nanos.perDay
        }
    }

    /// When the calendar window containing `now` ends (the next reset); nil if it never resets.
    /// Rolling windows have no fixed reset: see `BudgetCounter` for bucket refill times.
    public func nextReset(after now: UTCNanos) -> UTCNanos? {
        windowStart(windowID(at: now) + 1)
    }
}

/// The mutable state of one budget, guarded by its cell's lock. Pure value logic: every method
/// takes `now`, so window rollover and bucket refill are deterministic in tests.
///
/// Calendar and lifetime windows count `used` (settled) and `reserved` (in flight) in the current
/// window; a reservation settles into the window it was made in, so one that straddles midnight
/// does not charge the new day (it is in yesterday's total in the WAL).
///
/// Rolling windows are a token bucket kept as "consumed units x period nanos" in 128 bits: it
/// drains by `limit` per elapsed nanosecond, so refill is exact integer arithmetic with no
/// rounding drift, and a full bucket holds `limit x period`.
public struct BudgetCounter: Sendable, Equatable {
    public var limit: Int64
    public var mode: BudgetMode
    public var minimumGrant: Int64

    public private(set) var windowID: Int64
    public private(set) var used: Int64 = 0
    public private(set) var reserved: Int64 = 0
    public private(set) var refusals: Int64 = 0
    public private(set) var softAlerts: Int64 = 0
    /// Token bucket level: consumed units x period nanos (rolling windows only).
    private var bucket: Int128 = 0
    private var bucketAt: UTCNanos

    public let unit: BudgetUnit
    public let window: BudgetWindow

    public init(_ d: BudgetDefinition, now: UTCNanos) {
        limit = d.limit
        mode = d.mode
        minimumGrant = d.minimumGrant
        unit = d.unit
        window = d.window
        windowID = d.window.windowID(at: now)
        bucketAt = now
    }

    private var period: Int128 { Int128(window.periodNanos ?? 0) }

    /// Brings the counter to `now`: a new calendar window starts from zero; a bucket drains.
    /// A `now` older than the last one (threads read the clock before locking) changes nothing.
    public mutating func advance(to now: UTCNanos) {
        if window.isRate {
            guard now > bucketAt else { return }
            let drained = Int128(now - bucketAt) * Int128(limit)
            bucket = bucket > drained ? bucket - drained : 0
            bucketAt = now
        } else if unit != .concurrent {
            let id = window.windowID(at: now)
            if id > windowID {
                windowID = id
                used = 0
                reserved = 0
            }
        }
    }

    /// What is left now (negative after an overrun). Call `advance` first.
    public var remaining: Int64 {
        if window.isRate {
            let full = Int128(limit) * period
            return Int64(clamping: (full - bucket) / period)
        }
        return limit - used - reserved
    }

    /// Consumed amount as shown by GET /budgets (for a bucket: what has not yet refilled).
    public var consumed: Int64 {
        window.isRate ? Int64(clamping: (bucket + period - 1) / period) : used
    }

    public mutating func take(_ amount: Int64) {
        reserved += amount
        if window.isRate { bucket += Int128(amount) * period }
    }

    /// Settles a reservation of `reserved` made in window `id` to `actual`: the surplus returns,
    /// an overrun is charged. A concurrency slot just frees.
    public mutating func settle(reserved r: Int64, actual: Int64, windowID id: Int64) {
        if window.isRate {
            reserved -= r
            bucket += Int128(actual - r) * period
            if bucket < 0 { bucket = 0 }
        } else if unit == .concurrent {
            reserved -= r
        } else if id == windowID {
            reserved -= r
            used += actual
        }
    }

    /// Returns a reservation whole (failed upstream call).
    public mutating func release(reserved r: Int64, windowID id: Int64) {
        settle(reserved: r, actual: 0, windowID: id)
    }

    public mutating func noteRefusal() { refusals += 1 }
    public mutating func noteSoftAlert() { softAlerts += 1 }

    /// Admin: forget the current window's settled usage (reservations in flight stay).
    public mutating func reset() {
        used = 0
        if window.isRate { bucket = Int128(reserved) * period }
    }

    /// Admin or recovery: add (or, negative, refund) settled usage in the current window.
    public mutating func adjust(by delta: Int64) {
        if window.isRate {
            bucket = min(Int128(limit) * period * 2, max(0, bucket + Int128(delta) * period))
        } else {
            used = max(0, used.addingSaturating(delta))
        }
    }

    /// Nanoseconds until `amount` would fit, or nil if it never will by waiting (lifetime
    /// budgets, or a request larger than the whole limit).
    public func retryAfter(needing amount: Int64, now: UTCNanos) -> Int64? {
        if amount > limit { return nil }
        if window.isRate {
            let target = Int128(limit - amount) * period
            guard bucket > target else { return 0 }
            return Int64(clamping: (bucket - target + Int128(limit) - 1) / Int128(max(limit, 1)))
        }
        if unit == .concurrent { return nil }
        return window.nextReset(after: now).map { $0 - now }
    }

    /// Nanoseconds until the budget is whole again (the x-ratelimit-reset header); nil: never.
    public func resetIn(now: UTCNanos) -> Int64? {
        if window.isRate {
            return Int64(clamping: (bucket + Int128(limit) - 1) / Int128(max(limit, 1)))
        }
        if unit == .concurrent { return nil }
        return window.nextReset(after: now).map { $0 - now }
    }
}

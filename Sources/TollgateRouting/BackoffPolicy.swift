/// Jittered exponential backoff between attempts ("full jitter": a uniform delay in
/// [0, min(max, base * 2^attempt)]), so retries from many sidecars do not synchronize.
public struct BackoffPolicy: Sendable, Equatable {
    public var baseNanos: UInt64
    public var maxNanos: UInt64

    public init(baseNanos: UInt64 = 100_000_000, maxNanos: UInt64 = 2_000_000_000) {
        self.baseNanos = baseNanos
        self.maxNanos = max(baseNanos, maxNanos)
    }

    /// The ceiling for the delay before retry number `retry` (0 = first retry).
    public func ceiling(retry: Int) -> UInt64 {
        let shift = min(max(retry, 0), 30)
        let (grown, overflow) = baseNanos.multipliedReportingOverflow(by: 1 << UInt64(shift))
        return overflow ? maxNanos : min(grown, maxNanos)
    }

    /// The delay before retry number `retry`, drawn with `random`.
    public func delay<R: RandomNumberGenerator>(retry: Int, using random: inout R) -> UInt64 {
        let c = ceiling(retry: retry)
        return c == 0 ? 0 : UInt64.random(in: 0...c, using: &random)
    }
}

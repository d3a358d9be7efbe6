/// A circuit breaker for one deployment: closed until `failureThreshold` consecutive failures,
/// then open (no traffic) for `cooldownNanos`, then half-open: exactly one probe request goes
/// through; its success closes the breaker, its failure opens it again. Pure: time is passed in.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        case open(untilNanos: UInt64)
        /// One probe is out; everyone else waits for its outcome.
        case halfOpen
    }

    public private(set) var state: State = .closed(consecutiveFailures: 0)
    public var failureThreshold: Int
    public var cooldownNanos: UInt64

    public init(failureThreshold: Int = 5, cooldownNanos: UInt64 = 30_000_000_000) {
        self.failureThreshold = max(1, failureThreshold)
        self.cooldownNanos = cooldownNanos
    }

    /// Whether a request may be sent now. Taking the half-open probe slot is part of asking:
    /// the caller that gets `true` from an expired open breaker is the probe.
    public mutating func admit(now: UInt64) -> Bool {
        switch state {
        case .closed: return true
        case .halfOpen: return false
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen
            return true
        }
    }

    /// Whether the deployment would be tried now, without taking the probe slot (for ordering).
    public func isAvailable(now: UInt64) -> Bool {
        switch state {
        case .closed: return true
        case .halfOpen: return false
        case .open(let until): return now >= until
        }
    }

    public mutating func recordSuccess() {
        state = .closed(consecutiveFailures: 0)
    }

    public mutating func recordFailure(now: UInt64) {
        switch state {
        case .closed(let n):
            if n + 1 >= failureThreshold {
                state = .open(untilNanos: now &+ cooldownNanos)
            } else {
                state = .closed(consecutiveFailures: n + 1)
            }
        case .halfOpen, .open:
            state = .open(untilNanos: now &+ cooldownNanos)
        }
    }

    /// The provider said when to come back (Retry-After on 429/503): no traffic until then,
    /// however many failures were counted. Never shortens an open period.
    public mutating func holdOff(untilNanos: UInt64) {
        if case .open(let until) = state, until >= untilNanos { return }
        state = .open(untilNanos: untilNanos)
    }

    /// An attempt that neither succeeded nor failed (the client went away): frees a probe slot.
    public mutating func recordAbandoned() {
        if state == .halfOpen { state = .open(untilNanos: 0) }
    }

    public var isOpen: Bool {
        if case .closed = state { return false }
        return true
    }
}

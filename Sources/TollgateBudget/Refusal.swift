/// Why a request was not admitted, with what the HTTP layer needs for a 429 in the caller's
/// protocol: which budget, its unit and limit, what is left, and when to retry.
public struct Refusal: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A rate or concurrency limit: code "rate_limit_exceeded".
        case rateLimit = "rate_limit_exceeded"
        /// A calendar or lifetime budget: code "budget_exceeded".
        case budgetExhausted = "budget_exceeded"
    }

    public enum Reason: String, Sendable {
        /// The budget has less left than the request needs.
        case insufficient
        /// Clamping max_tokens to what remains would go below the budget's minimum grant.
        case belowMinimumGrant = "below_minimum_grant"
        /// The request alone is larger than the whole limit; waiting will not help.
        case exceedsLimit = "exceeds_limit"
    }

    public var budgetID: String
    public var scope: String
    public var unit: BudgetUnit
    public var window: BudgetWindow
    public var limit: Int64
    public var remaining: Int64
    /// What the request needed from this budget (with the minimum output grant).
    public var needed: Int64
    public var kind: Kind
    public var reason: Reason
    /// Nanoseconds until the request could fit; nil if waiting will not help.
    public var retryAfterNanos: Int64?
    /// Nanoseconds until the budget resets (for the x-ratelimit-reset header).
    public var resetInNanos: Int64?

    /// Whole seconds for Retry-After (at least 1, so clients do not spin).
    public var retryAfterSeconds: Int64? {
        retryAfterNanos.map { max(1, Nanos.secondsRoundedUp($0)) }
    }
}

/// The answer to a reservation.
public enum Admission: Sendable {
    case admitted(Reservation)
    case refused(Refusal)

    public var reservation: Reservation? {
        if case .admitted(let r) = self { return r }
        return nil
    }

    public var refusal: Refusal? {
        if case .refused(let r) = self { return r }
        return nil
    }
}

/// The outcome of a settlement.
public struct Settlement: Sendable {
    /// False if the reservation was already settled or released (nothing was charged again).
    public var applied: Bool
    /// Hard budgets the actual usage went past the reservation on (the provider ignored the
    /// bound, or the estimate rule was wrong): charged anyway, since it was served.
    public var overruns: [String]
    /// Durability ticket of the WAL record, when a journal is attached.
    public var ticket: WALTicket?
}

import Synchronization

/// What one budget holds for an admitted request.
public struct ReservationEntry: Sendable {
    public let cell: BudgetCell
    /// The window the amount was reserved in; the settlement charges that window.
    public let windowID: Int64
    public let amount: Int64
    public let limit: Int64
    /// What the budget had left after this reservation (for response headers).
    public let remaining: Int64
    let reservedAt: UTCNanos
    /// For a bucket, computed under its lock; calendar resets are derived outside the lock.
    let bucketResetIn: Int64?
    public let mode: BudgetMode

    /// Nanoseconds (from the reservation) until the budget is whole again; nil if it never resets.
    public var resetIn: Int64? {
        if cell.window.isRate { return bucketResetIn }
        if cell.unit == .concurrent { return nil }
        return cell.window.windowStart(windowID + 1).map { $0 - reservedAt }
    }
}

/// An admitted request's hold on its budgets. Settle or release it exactly once: a second call
/// does nothing (the flag makes that safe even if an error path and a completion race).
public final class Reservation: Sendable {
    public let id: UInt64
    public let entries: [ReservationEntry]
    /// The reserved amounts per unit (the upper bound).
    public let cost: RequestCost
    /// The output grant reserved; nil when no budget bounds output and the request set none.
    public let outputGrant: Int64?
    /// Non-nil when the proxy must rewrite max_tokens (max_completion_tokens, max_output_tokens)
    /// to this value so the response cannot overrun a hard budget.
    public let setMaxTokens: Int64?
    /// Soft budgets this request went over (alert + header, not refused).
    public let softAlerts: [String]
    /// The WAL ticket of the reserve record (nil without a journal, or with no budget to
    /// record): forward the request only once it is durable (`BudgetJournal.onDurable`).
    public let ticket: WALTicket?
    private let finished = Atomic<Bool>(false)

    init(id: UInt64, entries: [ReservationEntry], cost: RequestCost, outputGrant: Int64?,
         setMaxTokens: Int64?, softAlerts: [String], ticket: WALTicket? = nil) {
        self.id = id
        self.entries = entries
        self.cost = cost
        self.outputGrant = outputGrant
        self.setMaxTokens = setMaxTokens
        self.softAlerts = softAlerts
        self.ticket = ticket
    }

    /// True exactly once: for the first settle or release.
    func claim() -> Bool {
        !finished.exchange(true, ordering: .acquiringAndReleasing)
    }

    public var isFinished: Bool { finished.load(ordering: .acquiring) }
}

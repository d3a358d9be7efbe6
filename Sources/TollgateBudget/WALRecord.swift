/// One budget's amount in a WAL record: reserved, settled (actual) or adjusted, in one window.
public struct WALEntry: Sendable, Hashable {
    public var budgetID: String
    public var windowID: Int64
    public var amount: Int64

    public init(budgetID: String, windowID: Int64, amount: Int64) {
        self.budgetID = budgetID; self.windowID = windowID; self.amount = amount
    }

    public var key: WALWindowKey { WALWindowKey(budgetID: budgetID, windowID: windowID) }
}

/// A budget in one window: the unit of recovered totals (and of sync's usage reports).
public struct WALWindowKey: Sendable, Hashable, Comparable {
    public var budgetID: String
    public var windowID: Int64

    public init(budgetID: String, windowID: Int64) { self.budgetID = budgetID; self.windowID = windowID }

    public static func < (a: Self, b: Self) -> Bool {
        (a.budgetID, a.windowID) < (b.budgetID, b.windowID)
    }
}

/// A reservation that had not settled when a snapshot was taken.
public struct WALOpenReservation: Sendable, Hashable {
    public var id: UInt64
    public var entries: [WALEntry]

    public init(id: UInt64, entries: [WALEntry]) { self.id = id; self.entries = entries }
}

/// The state of all earlier records: compaction writes one at the head of a new segment and then
/// deletes the older segments.
public struct WALSnapshot: Sendable, Hashable {
    /// Settled usage per budget and window.
    public var totals: [WALEntry]
    public var open: [WALOpenReservation]
    public var nextReservationID: UInt64

    public init(totals: [WALEntry], open: [WALOpenReservation], nextReservationID: UInt64) {
        self.totals = totals; self.open = open; self.nextReservationID = nextReservationID
    }
}

/// What the budget engine journals.
public enum WALRecord: Sendable, Hashable {
    /// Amounts held per budget (the upper bound).
    case reserve(id: UInt64, entries: [WALEntry])
    /// Actual usage per budget, charged to the reservation's windows; ends the reservation.
    case settle(id: UInt64, entries: [WALEntry])
    /// Ends the reservation with no charge.
    case release(id: UInt64)
    /// Admin change of settled usage (negative refunds).
    case adjust(entries: [WALEntry])
    /// Admin reset of one budget window's settled usage.
    case reset(budgetID: String, windowID: Int64)
    case snapshot(WALSnapshot)
}

/// Identifies an appended record: its position in one of the WAL's append queues. Durable once
/// the flusher has fsynced past it.
public struct WALTicket: Sendable, Hashable {
    public let shard: Int
    public let sequence: UInt64

    public init(shard: Int = 0, sequence: UInt64) {
        self.shard = shard
        self.sequence = sequence
    }
}

/// Where the engine writes its records. `WriteAheadLog` is the durable one; tests use memory.
public protocol BudgetJournal: Sendable {
    func append(_ record: WALRecord) -> WALTicket
    /// Calls `done(true)` once the ticket's record is durable, `false` if it never will be
    /// (the journal failed or closed). May run on any thread, or at once.
    func onDurable(_ ticket: WALTicket, _ done: @escaping @Sendable (Bool) -> Void)
}

extension BudgetJournal {
    /// Memory journals: everything appended is as durable as it will ever be.
    public func onDurable(_ ticket: WALTicket, _ done: @escaping @Sendable (Bool) -> Void) { done(true) }
}

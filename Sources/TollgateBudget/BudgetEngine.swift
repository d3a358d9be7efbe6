import Synchronization

/// The local budget authority: admits, settles and releases requests against the budgets that
/// apply to them. Thread-safe and used from every event loop at once.
///
/// Hot path: no global lock. The table of budgets is an immutable value (cached per loop, see
/// `BudgetTableCache`); each budget has its own lock; a reservation locks the cells it needs in
/// `lockOrder` (deadlock-free; the shared global budget innermost), decides for all of them while all are held, and applies to all
/// or none. Reservation ids come from an atomic counter.
public final class BudgetEngine: Sendable {
    private let tableBox: Mutex<BudgetTable>
    private let version = Atomic<UInt64>(1)
    private let ordinals = Atomic<UInt64>(0)
    private let nextID: Atomic<UInt64>
    /// Where reserve/settle/release records go (the WAL); nil for a memory-only engine.
    public let journal: (any BudgetJournal)?

    public init(_ definitions: [BudgetDefinition], now: UTCNanos,
                journal: (any BudgetJournal)? = nil, firstReservationID: UInt64 = 1) {
        self.journal = journal
        nextID = Atomic(firstReservationID)
        tableBox = Mutex(BudgetTable(version: 1, cells: []))
        install(definitions, now: now)
    }

    /// Version of the current table; changes on every `install`.
    public var tableVersion: UInt64 { version.load(ordering: .acquiring) }

    /// The current table (takes the table lock briefly; loops should use a `BudgetTableCache`).
    public func table() -> BudgetTable { tableBox.withLock { $0 } }

    /// Installs a new set of budgets. A budget whose id, scope, unit and window are unchanged keeps
    /// its counter (and its in-flight reservations); limit, mode and minimum grant update in place.
    public func install(_ definitions: [BudgetDefinition], now: UTCNanos) {
        tableBox.withLock { table in
            var cells: [BudgetCell] = []
            for d in definitions {
                if let old = table.cell(d.id), old.scope == d.scope, old.unit == d.unit, old.window == d.window {
                    old.state.withLock { c in
                        c.limit = d.limit
                        c.mode = d.mode
                        c.minimumGrant = d.minimumGrant
                    }
                    cells.append(old)
                } else {
                    let ord = ordinals.wrappingAdd(1, ordering: .relaxed).newValue
                    cells.append(BudgetCell(d, ordinal: ord, now: now))
                }
            }
            let v = table.version + 1
            table = BudgetTable(version: v, cells: cells)
            version.store(v, ordering: .releasing)
        }
    }

    /// Convenience: match `subject` against the current table and reserve.
    public func reserve(_ subject: BudgetSubject, _ estimate: CostEstimate, now: UTCNanos) -> Admission {
        reserve(table().matching(subject), estimate, now: now)
    }

    /// Reserves `estimate` on every cell, all or nothing. `cells` must be in lock order
    /// (as `BudgetTable.matching` returns them). Chooses the output grant (max_tokens) under the
    /// locks: the smallest headroom of the hard budgets, refused if below their minimum grant.
    public func reserve(_ cells: [BudgetCell], _ estimate: CostEstimate, now: UTCNanos) -> Admission {
        // Out of order (or duplicated) cells could deadlock against another request.
        assert(zip(cells, cells.dropFirst()).allSatisfy { $0.lockOrder < $1.lockOrder }, "cells not in lock order")
        var walk = AdmissionWalk(estimate: estimate, now: now)
        walk.entries.reserveCapacity(cells.count)
        guard lockWalk(cells, 0, &walk) else {
            return .refused(walk.refusal!)
        }
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        // A request no budget applies to holds nothing: there is nothing to make durable.
        let ticket = walk.entries.isEmpty ? nil : journal?.append(.reserve(id: id, entries: walk.entries.map {
            WALEntry(budgetID: $0.cell.id, windowID: $0.windowID, amount: $0.amount)
        }))
        return .admitted(Reservation(id: id, entries: walk.entries, cost: walk.cost, outputGrant: walk.outputGrant,
                                     setMaxTokens: walk.setMaxTokens, softAlerts: walk.softAlerts, ticket: ticket))
    }

    /// Settles to the usage the provider reported: the surplus returns, and each budget is charged
    /// `actual` in the window it was reserved in. Idempotent.
    @discardableResult
    public func settle(_ r: Reservation, actual: RequestCost, now: UTCNanos) -> Settlement {
        guard r.claim() else { return Settlement(applied: false, overruns: [], ticket: nil) }
        var overruns: [String] = []
        for e in r.entries {
            let a = actual.amount(e.cell.unit)
            e.cell.state.withLock { c in
                c.advance(to: now)
                c.settle(reserved: e.amount, actual: a, windowID: e.windowID)
            }
            if a > e.amount && e.mode == .hard && e.cell.unit != .concurrent { overruns.append(e.cell.id) }
        }
        let ticket = r.entries.isEmpty ? nil : journal?.append(.settle(id: r.id, entries: r.entries.map {
            WALEntry(budgetID: $0.cell.id, windowID: $0.windowID,
                     amount: $0.cell.unit == .concurrent ? 0 : actual.amount($0.cell.unit))
        }))
        return Settlement(applied: true, overruns: overruns, ticket: ticket)
    }

    /// Returns the whole reservation (the upstream call failed before any usage). Idempotent.
    @discardableResult
    public func release(_ r: Reservation, now: UTCNanos) -> Settlement {
        guard r.claim() else { return Settlement(applied: false, overruns: [], ticket: nil) }
        for e in r.entries {
            e.cell.state.withLock { c in
                c.advance(to: now)
                c.release(reserved: e.amount, windowID: e.windowID)
            }
        }
        let ticket = r.entries.isEmpty ? nil : journal?.append(.release(id: r.id))
        return Settlement(applied: true, overruns: [], ticket: ticket)
    }

    // MARK: - The lock walk

    /// Locks cells[i], checks it, recurses to lock the rest, and applies on the way back only if
    /// every budget admitted. Each level's lock is held until it has applied, so the decision
    /// made at the bottom (all locks held) is what every budget records.
    private func lockWalk(_ cells: [BudgetCell], _ i: Int, _ w: inout AdmissionWalk) -> Bool {
        if i == cells.count { return w.decide() }
        let cell = cells[i]
        return cell.state.withLock { c in
            c.advance(to: w.now)
            let remaining = c.remaining
            if c.mode == .hard {
                let h = w.estimate.outputHeadroom(unit: cell.unit, remaining: remaining)
                if h < 0 {
                    w.refuse(at: i, reason: .insufficient)
                } else if h < w.headroom {
                    w.headroom = h
                    w.tightest = i
                    w.minimumGrant = c.minimumGrant
                }
            }
            guard w.refusal == nil || w.refusingIndex != i, lockWalk(cells, i + 1, &w) else {
                if w.refusingIndex == i { w.describeRefusal(cell, &c, remaining: remaining) }
                return false
            }
            let amount = w.cost.amount(cell.unit)
            if c.mode == .soft && amount > remaining {
                c.noteSoftAlert()
                w.softAlerts.append(cell.id)
            }
            c.take(amount)
            w.entries.append(ReservationEntry(cell: cell, windowID: c.windowID, amount: amount, limit: c.limit,
                                              remaining: remaining - amount, reservedAt: w.now,
                                              bucketResetIn: cell.window.isRate ? c.resetIn(now: w.now) : nil, mode: c.mode))
            return true
        }
    }
}

/// Scratch state of one reservation's lock walk.
struct AdmissionWalk {
    let estimate: CostEstimate
    let now: UTCNanos
    var headroom = Int64.max
    var tightest = -1
    var minimumGrant: Int64 = 0
    var refusingIndex = -1
    var refusal: Refusal?
    var refusalReason = Refusal.Reason.insufficient
    var cost = RequestCost.zero
    var outputGrant: Int64?
    var setMaxTokens: Int64?
    var entries: [ReservationEntry] = []
    var softAlerts: [String] = []

    init(estimate: CostEstimate, now: UTCNanos) {
        self.estimate = estimate
        self.now = now
    }

    mutating func refuse(at i: Int, reason: Refusal.Reason) {
        refusingIndex = i
        refusalReason = reason
        // A placeholder so `refusal != nil` stops the walk; the refusing level fills it in.
        refusal = Refusal(budgetID: "", scope: "", unit: .requests, window: .lifetime, limit: 0, remaining: 0,
                          needed: 0, kind: .budgetExhausted, reason: reason)
    }

    /// At the bottom of the walk, all locks held: pick the output grant or refuse.
    mutating func decide() -> Bool {
        switch MaxTokensClamp.decide(estimate, grant: headroom, tightest: tightest, minimum: minimumGrant) {
        case .keep(let output):
            outputGrant = output
        case .set(let n):
            outputGrant = n
            setMaxTokens = n
        case .refuse(let i, _):
            refuse(at: i, reason: .belowMinimumGrant)
            return false
        }
        cost = estimate.cost(grantingOutput: outputGrant ?? 0)
        return true
    }

    /// Fills in the refusal while the refusing budget's lock is held.
    mutating func describeRefusal(_ cell: BudgetCell, _ c: inout BudgetCounter, remaining: Int64) {
        c.noteRefusal()
        let minOutput = min(c.minimumGrant, estimate.outputCeiling ?? c.minimumGrant)
        let needed = estimate.cost(grantingOutput: minOutput).amount(cell.unit)
        let reason: Refusal.Reason = needed > c.limit ? .exceedsLimit : refusalReason
        refusal = Refusal(budgetID: cell.id, scope: cell.scope.description, unit: cell.unit, window: cell.window,
                          limit: c.limit, remaining: max(0, remaining), needed: needed,
                          kind: cell.isRateLimit ? .rateLimit : .budgetExhausted, reason: reason,
                          retryAfterNanos: c.retryAfter(needing: needed, now: now),
                          resetInNanos: c.resetIn(now: now))
    }
}

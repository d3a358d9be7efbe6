/// Folds WAL records into budget totals. Pure, and used twice: on restart over the replayed
/// records, and in the WAL's flusher as records are written, so compaction can write a snapshot
/// that is exactly the state of the segments it replaces.
///
/// Never under-counts: a settlement charges its actual usage even if its reservation is unknown,
/// and `charged` counts every reservation without a settlement or release in full.
public struct WALRecovery: Sendable, Equatable {
    /// Settled (and admin-adjusted) usage per budget window.
    public private(set) var totals: [WALWindowKey: Int64] = [:]
    /// Reservations not yet settled or released.
    public private(set) var open: [UInt64: [WALEntry]] = [:]
    /// One past the highest reservation id seen, so a restarted engine never reuses an id.
    public private(set) var nextReservationID: UInt64 = 1
    /// Settlements or releases of reservations never seen (kept, counted, reported).
    public private(set) var orphans = 0

    public init() {}

    public mutating func apply(_ record: WALRecord) {
        switch record {
        case .reserve(let id, let entries):
            open[id] = entries
            see(id)
        case .settle(let id, let entries):
            if open.removeValue(forKey: id) == nil { orphans += 1 }
            for e in entries { totals[e.key] = totals[e.key, default: 0].addingSaturating(e.amount) }
            see(id)
        case .release(let id):
            if open.removeValue(forKey: id) == nil { orphans += 1 }
            see(id)
        case .adjust(let entries):
            // Adjust records hold the change the engine actually made (already clamped), so they
            // are summed as they are: clamping here would make their order against settlements
            // in other append queues matter.
            for e in entries { totals[e.key] = totals[e.key, default: 0].addingSaturating(e.amount) }
        case .reset(let budget, let window):
            // Written by earlier versions only (resets are now adjust records of the difference).
            totals[WALWindowKey(budgetID: budget, windowID: window)] = 0
        case .snapshot(let s):
            totals = [:]
            for e in s.totals { totals[e.key] = totals[e.key, default: 0].addingSaturating(e.amount) }
            open = [:]
            for o in s.open { open[o.id] = o.entries }
            nextReservationID = max(nextReservationID, s.nextReservationID)
        }
    }

    public mutating func apply(_ records: some Sequence<WALRecord>) {
        for r in records { apply(r) }
    }

    /// Compaction: forgets the settled totals of windows that no longer matter (ended calendar
    /// windows). Open reservations stay: they still end with a record.
    public mutating func dropTotals(where ended: (WALWindowKey) -> Bool) {
        totals = totals.filter { !ended($0.key) }
    }

    private mutating func see(_ id: UInt64) {
        if id >= nextReservationID { nextReservationID = id &+ 1 }
    }

    /// What each budget window is charged after a crash: settled usage plus every open
    /// reservation in full.
    public var charged: [WALWindowKey: Int64] {
        var c = totals
        for entries in open.values {
            for e in entries { c[e.key] = c[e.key, default: 0].addingSaturating(e.amount) }
        }
        return c
    }

    /// The state as one record, keeping open reservations open (live compaction).
    public func snapshot() -> WALSnapshot {
        WALSnapshot(totals: totals.sorted { $0.key < $1.key }.map { WALEntry(budgetID: $0.key.budgetID, windowID: $0.key.windowID, amount: $0.value) },
                    open: open.sorted { $0.key < $1.key }.map { WALOpenReservation(id: $0.key, entries: $0.value) },
                    nextReservationID: nextReservationID)
    }

    /// The state after a restart: open reservations are dead, so they become charged usage.
    public func snapshotChargingOpen() -> WALSnapshot {
        WALSnapshot(totals: charged.sorted { $0.key < $1.key }.map { WALEntry(budgetID: $0.key.budgetID, windowID: $0.key.windowID, amount: $0.value) },
                    open: [], nextReservationID: nextReservationID)
    }
}

import Testing
@testable import TollgateBudget

struct WALRecoveryTests {
    let k = WALWindowKey(budgetID: "day", windowID: 5)

    func e(_ amount: Int64) -> [WALEntry] { [WALEntry(budgetID: "day", windowID: 5, amount: amount)] }

    /// Settled usage counts its actual amount; unsettled reservations are charged in full.
    @Test func chargesUnsettledInFull() {
        var r = WALRecovery()
        r.apply([.reserve(id: 1, entries: e(100)), .reserve(id: 2, entries: e(300)), .reserve(id: 3, entries: e(50)),
                 .settle(id: 1, entries: e(40)), .release(id: 3)])
        #expect(r.totals[k] == 40)
        #expect(r.charged[k] == 340)
        #expect(r.open.count == 1)
        #expect(r.nextReservationID == 4)
    }

    /// A snapshot replaces everything before it, and the state after replay of the snapshot equals
    /// the state it was taken from.
    @Test func snapshotEquivalence() {
        var r = WALRecovery()
        r.apply([.reserve(id: 1, entries: e(100)), .settle(id: 1, entries: e(60)), .reserve(id: 7, entries: e(5)),
                 .adjust(entries: e(10))])
        var s = WALRecovery()
        s.apply([.reserve(id: 99, entries: e(1_000))])
        s.apply(.snapshot(r.snapshot()))
        #expect(s.charged == r.charged)
        #expect(s.open == r.open)
        s.apply(.settle(id: 7, entries: e(5)))
        #expect(s.totals[k] == 75 && s.open.isEmpty)
    }

    /// A settlement whose reservation is unknown still counts (never under-count served usage).
    @Test func orphanSettleCounts() {
        var r = WALRecovery()
        r.apply(.settle(id: 5, entries: e(70)))
        #expect(r.totals[k] == 70 && r.orphans == 1)
    }

    /// A reset record (earlier versions) zeroes a window; adjust records are plain differences
    /// that commute with settlements, whatever order the append queues wrote them in.
    @Test func resetAndAdjust() {
        var r = WALRecovery()
        r.apply([.settle(id: 1, entries: e(70)), .reset(budgetID: "day", windowID: 5)])
        #expect(r.totals[k] == 0)
        var inOrder = WALRecovery()
        inOrder.apply([.settle(id: 1, entries: e(70)), .adjust(entries: e(-70)), .settle(id: 2, entries: e(30))])
        var reordered = WALRecovery()
        reordered.apply([.adjust(entries: e(-70)), .settle(id: 2, entries: e(30)), .settle(id: 1, entries: e(70))])
        #expect(inOrder.totals[k] == 30 && reordered.totals[k] == 30)
    }
}

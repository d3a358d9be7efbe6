import Testing
import TollgateSync
@testable import TollgateSidecar

struct LedgerCommitScheduleTests {
    static let key = BudgetKey(scope: "s", window: 1)
    static let me = NodeIdentity(nodeID: "n", epoch: 1)
    static func wal(spent: Int64, seq: UInt64) -> SidecarWAL {
        SidecarWAL(identity: me, entries: [LedgerEntry(key: key, holder: me, issuer: NodeIdentity(nodeID: "c", epoch: 1),
                                                       granted: 1_000, returned: 0, spent: spent)], seq: seq)
    }

    /// A changed record is written at most once per interval; a record equal to the file is
    /// confirmed without a write; an empty ledger with no file needs no write.
    @Test func writesChangesOncePerInterval() {
        var s = LedgerCommitSchedule(interval: 100)
        #expect(s.step(SidecarWAL(identity: Self.me, entries: [], seq: 1), now: 0) == .unchanged)
        #expect(s.step(Self.wal(spent: 1, seq: 2), now: 0) == .write)
        s.wrote(Self.wal(spent: 1, seq: 2), now: 0)
        #expect(s.step(Self.wal(spent: 1, seq: 3), now: 10) == .unchanged)
        #expect(s.step(Self.wal(spent: 2, seq: 4), now: 10) == .notYet)
        #expect(s.step(Self.wal(spent: 2, seq: 4), now: 10, force: true) == .write)
        #expect(s.step(Self.wal(spent: 2, seq: 5), now: 100) == .write)
    }

    /// A failed write confirms nothing and is retried after an interval, not every step.
    @Test func failedWriteRetriesAfterInterval() {
        var s = LedgerCommitSchedule(interval: 100)
        s.wrote(Self.wal(spent: 1, seq: 1), now: 0)
        #expect(s.step(Self.wal(spent: 2, seq: 2), now: 150) == .write)
        s.failed(now: 150)
        #expect(s.step(Self.wal(spent: 2, seq: 3), now: 200) == .notYet)
        #expect(s.step(Self.wal(spent: 1, seq: 3), now: 200) == .unchanged)   // the file still holds spent 1
        #expect(s.step(Self.wal(spent: 2, seq: 4), now: 250) == .write)
    }
}

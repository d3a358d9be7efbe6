import Foundation
import Testing
@testable import TollgateBudget
@testable import TollgateSidecar

struct BudgetStoreTests {
    let now: UTCNanos = 1_773_489_600_000_000_000
    var defs: [BudgetDefinition] { [BudgetDefinition(id: "life", unit: .totalTokens, window: .lifetime, limit: 10_000)] }

    func tempDir() -> String { NSTemporaryDirectory() + "tollgate-store-" + UUID().uuidString }

    /// A restart on the same directory restores settled usage plus open reservations in full,
    /// and reservation ids continue past the old ones.
    @Test func restartRestores() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try BudgetStore(definitions: defs, dataDir: dir, syncInterval: 0.001, now: now)
        let a = try #require(first.engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 100, requestedOutput: 50), now: now).reservation)
        let b = try #require(first.engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 300, requestedOutput: 100), now: now).reservation)
        first.engine.settle(a, actual: RequestCost(requests: 1, inputTokens: 80, outputTokens: 20), now: now)
        #expect(a.ticket != nil && b.ticket != nil)
        first.close()  // b never settles: as after a crash, it is charged in full

        let second = try BudgetStore(definitions: defs, dataDir: dir, syncInterval: 0.001, now: now)
        defer { second.close() }
        let used: Int64? = second.engine.status("life", now: now)?.used
        #expect(used == 500)  // 100 settled + 400 reserved and never settled
        #expect(second.wal?.recovered.unsettledReservations == 1)
        let c = try #require(second.engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 1, requestedOutput: 1), now: now).reservation)
        #expect(c.id > b.id)
    }

    /// A reload that drops a budget and a later one that brings it back (or changes its window)
    /// start its fresh counter from the WAL, not from zero; an unchanged budget keeps its counter.
    @Test func reloadRestoresFreshCounters() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let day = BudgetDefinition(id: "day", unit: .totalTokens, window: .day, limit: 10_000)
        let store = try BudgetStore(definitions: defs + [day], dataDir: dir, syncInterval: 0.001, now: now)
        defer { store.close() }
        let r = try #require(store.engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 100, requestedOutput: 100), now: now).reservation)
        store.engine.settle(r, actual: RequestCost(requests: 1, inputTokens: 70, outputTokens: 30), now: now)
        store.install(defs, now: now)
        #expect(store.engine.status("day", now: now) == nil)
        store.install(defs + [day], now: now)
        let back: Int64? = store.engine.status("day", now: now)?.used
        #expect(back == 100)
        let life: Int64? = store.engine.status("life", now: now)?.used
        #expect(life == 100)
        var bigger = day
        bigger.limit = 20_000
        store.install(defs + [bigger], now: now)  // same identity: the counter is kept, not restored twice
        let kept: Int64? = store.engine.status("day", now: now)?.used
        #expect(kept == 100)
    }

    /// The startup summary names damaged segments (as warnings) and the charged reservations per budget.
    @Test func describesRecovery() {
        var state = WALRecovery()
        state.apply(.reserve(id: 1, entries: [WALEntry(budgetID: "a", windowID: 0, amount: 70), WALEntry(budgetID: "b", windowID: 3, amount: 5)]))
        state.apply(.reserve(id: 2, entries: [WALEntry(budgetID: "a", windowID: 0, amount: 30)]))
        let report = WALRecoveryReport(segments: [
            .init(number: 4, report: .init(records: 2, validBytes: 90, truncatedBytes: 11, stop: .tornTail), headerValid: true),
        ], state: state)
        let lines = BudgetStore.describe(report, directory: "/d")
        #expect(lines.count == 2)
        #expect(lines[0].warning && lines[0].text.contains("segment 4: torn tail, truncated 11 bytes"))
        #expect(!lines[1].warning)
        #expect(lines[1].text.contains("2 unsettled reservation(s) charged in full (a +100, b +5)"))
        #expect(lines[1].text.contains("11 byte(s) of damaged tail truncated"))
    }

    /// Without a data directory the engine has no journal and requests need no durability wait.
    @Test func memoryOnly() throws {
        let store = try BudgetStore(definitions: defs, dataDir: nil, syncInterval: 0.002, now: now)
        #expect(store.wal == nil && store.engine.journal == nil)
        let r = try #require(store.engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 1, requestedOutput: 1), now: now).reservation)
        #expect(r.ticket == nil)
        store.close()
    }

    /// An unusable data directory is a startup error naming it.
    @Test func unusableDirectory() {
        #expect(throws: ConfigError.self) {
            try BudgetStore(definitions: defs, dataDir: "/proc/tollgate-cannot-create", syncInterval: 0.002, now: now)
        }
    }
}

struct BudgetStoreCompactionTests {
    let now: UTCNanos = 1_773_489_600_000_000_000

    /// Calendar windows keep only the current (or a later) window; single-window budgets keep all.
    @Test func keepRule() {
        let today = BudgetWindow.day.windowID(at: now)
        #expect(BudgetStore.keepsTotal(WALWindowKey(budgetID: "d", windowID: today), window: .day, unit: .totalTokens, now: now))
        #expect(BudgetStore.keepsTotal(WALWindowKey(budgetID: "d", windowID: today + 1), window: .day, unit: .totalTokens, now: now))
        #expect(!BudgetStore.keepsTotal(WALWindowKey(budgetID: "d", windowID: today - 1), window: .day, unit: .totalTokens, now: now))
        #expect(BudgetStore.keepsTotal(WALWindowKey(budgetID: "l", windowID: 0), window: .lifetime, unit: .totalTokens, now: now))
        #expect(BudgetStore.keepsTotal(WALWindowKey(budgetID: "r", windowID: 0), window: .perMinute, unit: .requests, now: now))
    }
}

import Synchronization
import TollgateBudget
import TollgateTransport

/// The budget engine and, with `--data-dir`, its write-ahead log: opened and replayed at start
/// (unsettled reservations charged in full, a torn or corrupt tail cut and reported), closed
/// after the drain so queued settlements reach the disk.
final class BudgetStore: Sendable {
    let engine: BudgetEngine
    /// Nil when budgets live in memory only.
    let wal: WriteAheadLog?

    init(definitions: [BudgetDefinition], dataDir: String?, syncInterval: Double, now: UTCNanos) throws(ConfigError) {
        guard let dataDir else {
            engine = BudgetEngine(definitions, now: now)
            wal = nil
            return
        }
        var options = WriteAheadLog.Options(directory: dataDir, flushIntervalNanos: Int64(syncInterval * 1e9))
        // Compaction drops the totals of calendar windows that have ended. The WAL is opened
        // before the engine (which journals into it), so it finds the engine through a slot.
        let slot = Mutex(EngineSlot())
        options.keepTotal = { key in
            guard let engine = slot.withLock({ $0.engine }), let cell = engine.table().cell(key.budgetID) else { return true }
            return BudgetStore.keepsTotal(key, window: cell.window, unit: cell.unit, now: MonotonicClock.wallNanos())
        }
        let log: WriteAheadLog
        do { log = try WriteAheadLog.open(options) } catch { throw ConfigError("--data-dir \(dataDir): \(error)") }
        let report = log.recovered
        let engine = BudgetEngine(definitions, now: now, journal: log, firstReservationID: report.nextReservationID)
        engine.restore(report.charged, now: now)
        slot.withLock { $0.engine = engine }
        self.engine = engine
        wal = log
        for line in Self.describe(report, directory: dataDir) { line.warning ? Log.warning(line.text) : Log.info(line.text) }
    }

    /// Whether compaction keeps a budget window's settled total: rate, lifetime and concurrency
    /// budgets have one window; calendar budgets need only the current one (and any later, for
    /// a clock that stepped back).
    static func keepsTotal(_ key: WALWindowKey, window: BudgetWindow, unit: BudgetUnit, now: UTCNanos) -> Bool {
        if window.isRate || window == .lifetime || unit == .concurrent { return true }
        return key.windowID >= window.windowID(at: now)
    }

    /// The startup log lines for a recovery: one per damaged segment (a warning), then a summary
    /// naming what unsettled reservations were charged, per budget.
    static func describe(_ report: WALRecoveryReport, directory: String) -> [(text: String, warning: Bool)] {
        var lines = report.problems.map { (text: "budget WAL \(directory): \($0); the records before it are kept", warning: true) }
        let records = report.segments.reduce(0) { $0 + $1.report.records }
        var summary = "budget WAL \(directory): replayed \(records) record(s) from \(report.segments.count) segment(s)"
        if report.unsettledReservations > 0 {
            var perBudget: [String: Int64] = [:]
            for entries in report.state.open.values {
                for e in entries { perBudget[e.budgetID, default: 0] = perBudget[e.budgetID, default: 0].addingReportingOverflow(e.amount).partialValue }
            }
            let parts = perBudget.sorted { $0.key < $1.key }.map { "\($0.key) +\($0.value)" }
            summary += "; \(report.unsettledReservations) unsettled reservation(s) charged in full (\(parts.joined(separator: ", ")))"
        }
        if report.truncatedBytes > 0 { summary += "; \(report.truncatedBytes) byte(s) of damaged tail truncated" }
        lines.append((summary, false))
        return lines
    }

    /// A reload: installs the new budgets; a budget that gets a fresh counter (a new id, or a
    /// changed scope, unit or window) starts from what the WAL holds for its id, so removing
    /// and re-adding a budget, or adding one a previous run counted, does not forget usage.
    /// (A budget id names one budget: give a budget with another unit a new id.) Off the loops:
    /// it waits for one WAL flush.
    func install(_ definitions: [BudgetDefinition], now: UTCNanos) {
        let before = engine.table().cells
        engine.install(definitions, now: now)
        guard let wal else { return }
        let fresh = engine.table().cells.filter { c in !before.contains { $0 === c } }.map(\.id)
        guard !fresh.isEmpty else { return }
        engine.restore(wal.settledTotals(), now: now, only: Set(fresh))
    }

    /// Writes what is queued and closes the log (after the drain). Idempotent.
    func close() {
        guard let wal else { return }
        if !wal.flush() { Log.error("budget WAL: final flush failed: \(wal.failure.map { "\($0)" } ?? "closed")") }
        wal.close()
    }
}

/// The engine as the WAL's compaction sees it (weak: the engine owns the WAL).
private struct EngineSlot {
    weak var engine: BudgetEngine?
}

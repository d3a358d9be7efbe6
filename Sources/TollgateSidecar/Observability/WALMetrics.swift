import TollgateBudget

/// Prometheus families of the budget WAL: what it wrote and synced, and what the last start
/// recovered (so a truncated tail or charged reservations are visible on a dashboard, not only
/// in the startup log).
enum WALMetrics {
    static func render(_ s: WALStats, recovered r: WALRecoveryReport, failed: Bool) -> String {
        let families: [(String, String, String, String)] = [
            ("tollgate_wal_records_total", "counter", "Records written to the budget WAL.", "\(s.records)"),
            ("tollgate_wal_bytes_total", "counter", "Bytes written to the budget WAL.", "\(s.bytes)"),
            ("tollgate_wal_commits_total", "counter", "Group commits (one write and fdatasync each).", "\(s.commits)"),
            ("tollgate_wal_commit_seconds_total", "counter", "Time spent writing and syncing batches.", seconds(s.commitNanos)),
            ("tollgate_wal_rotations_total", "counter", "Segment rotations with compaction to a snapshot.", "\(s.rotations)"),
            ("tollgate_wal_write_failures_total", "counter", "Failed WAL writes or syncs.", "\(s.failures)"),
            ("tollgate_wal_failed", "gauge", "1 once the WAL failed: requests under budgets are refused with 503.", failed ? "1" : "0"),
            ("tollgate_wal_recovered_unsettled_reservations", "gauge", "Reservations without a settlement found at start, charged in full.", "\(r.unsettledReservations)"),
            ("tollgate_wal_recovered_truncated_bytes", "gauge", "Bytes of torn or corrupt WAL tail truncated at start.", "\(r.truncatedBytes)"),
        ]
        var out = ""
        for (name, type, help, value) in families {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        return out
    }

    /// Nanoseconds as decimal seconds, without Foundation's formatting.
    static func seconds(_ nanos: UInt64) -> String {
        let frac = String(nanos % 1_000_000_000)
        return "\(nanos / 1_000_000_000)." + String(repeating: "0", count: 9 - frac.count) + frac
    }
}

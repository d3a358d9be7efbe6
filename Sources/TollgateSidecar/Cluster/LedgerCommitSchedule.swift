import TollgateSync

/// When the sidecar writes its ledger file (the WAL of `SidecarSyncState`), and which records
/// count as durable. Pure: the caller does the write and confirms with `wrote`.
///
/// With WAL spend ceilings a record's ceilings may replace older ones only once the record is on
/// disk (`SidecarSyncState.walCommitted`). A record whose entries equal the file's is on disk
/// already (the entries carry everything a restart reads), so it is confirmed without a write;
/// a record that is not written (throttled, or the write failed) is never confirmed: its
/// ceilings keep capping admission until a later record is durable.
struct LedgerCommitSchedule: Sendable {
    /// What to do with a checkpoint record.
    enum Step: Equatable, Sendable {
        /// The file already holds these entries: confirm the record now.
        case unchanged
        /// Write the record, then confirm it if the write (with fsync and rename) succeeded.
        case write
        /// Too soon after the last write: leave it (a later record supersedes it).
        case notYet
    }

    /// The group-commit interval: at most one write per interval (the ceilings' headroom covers
    /// two of them, `SyncConfig.walCommitInterval`).
    let interval: Int64
    private(set) var written: [LedgerEntry]? = nil
    private(set) var writtenAt: Int64 = .min / 2

    init(interval: Int64) { self.interval = interval }

    func step(_ wal: SidecarWAL, now: Int64, force: Bool = false) -> Step {
        if let written, written == wal.entries { return .unchanged }
        // Nothing to keep and no file yet: the empty ledger is what a missing file means.
        if written == nil && wal.entries.isEmpty { return .unchanged }
        return force || now - writtenAt >= interval ? .write : .notYet
    }

    /// The write failed: try again after an interval (not every step), confirming nothing.
    mutating func failed(now: Int64) { writtenAt = now }

    /// The write of `wal` succeeded (durable).
    mutating func wrote(_ wal: SidecarWAL, now: Int64) {
        written = wal.entries
        writtenAt = now
    }
}

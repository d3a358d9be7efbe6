/// What a sidecar's write-ahead log holds for sync, as of its last group commit: its own ledger
/// entries (current and earlier epochs). A restarted sidecar (epoch + 1) reports these for its
/// former epoch and never spends from or returns that epoch's leases: the WAL lags by one group
/// commit, so those leases are charged in full.
public struct SidecarWAL: Sendable, Hashable {
    public var identity: NodeIdentity
    public var entries: [LedgerEntry]
    public init(identity: NodeIdentity, entries: [LedgerEntry]) { self.identity = identity; self.entries = entries }
}

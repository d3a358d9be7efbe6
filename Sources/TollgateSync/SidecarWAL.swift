/// What a sidecar's write-ahead log holds for sync, as of its last group commit: its own ledger
/// entries (current and earlier epochs). A restarted sidecar (epoch + 1) reports these for its
/// former epoch and never spends from or returns that epoch's leases: the WAL lags by one group
/// commit, so it must never close a lease for less than it proves. Without spend ceilings the
/// entries are the live ones and those leases stay charged in full; with `SyncConfig.walCeilings`
/// the current epoch's entries are already its closing entries (every lease returned, `spent` =
/// the sum of the ceilings), and admission never passes a ceiling that is not on disk.
public struct SidecarWAL: Sendable, Hashable {
    public var identity: NodeIdentity
    public var entries: [LedgerEntry]
    /// `returned` of a closed epoch's entries: more than anything ever granted, so no escrow is
    /// left under the issuer (merged by maximum, it wins over every live copy).
    public static let closedReturned: Int64 = Int64.max / 4
    /// Which `checkpoint` produced it (confirm with `SidecarSyncState.walCommitted(_:)`).
    public var seq: UInt64
    public init(identity: NodeIdentity, entries: [LedgerEntry], seq: UInt64 = 0) {
        self.identity = identity
        self.entries = entries
        self.seq = seq
    }
}

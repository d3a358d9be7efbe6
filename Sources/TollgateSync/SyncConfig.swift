/// Protocol timing and sizing, shared by coordinators and sidecars. All durations are integer
/// nanoseconds on each node's own monotonic clock.
public struct SyncConfig: Sendable, Hashable {
    /// Lease lifetime, counted by the holder from when it asked. 3.5 s keeps the learning period
    /// (ttl x (1 + drift) + max delay = 4.04 s) and so grant resumption after a coordinator
    /// restart under the 5 s goal with margin for detection and restart.
    public var leaseTTL: Int64 = 3_500_000_000
    /// Worst clock rate drift between any two nodes, parts per million.
    public var maxDriftPPM: Int64 = 10_000
    /// Worst one-way message delay that still delivers.
    public var maxDelay: Int64 = 500_000_000
    /// Sidecars report to each coordinator this often; lease sizing targets two intervals of demand.
    public var refreshInterval: Int64 = 1_000_000_000
    /// Smallest lease worth granting outside end-game (also the end-game threshold per holder).
    public var minLease: Int64 = 1_000
    public var maxLease: Int64 = 1 << 40
    /// Custodian peers that must acknowledge a grant before its holder spends from it.
    public var custodians: Int = 2
    /// A grant not activated (acknowledged) within this time of asking is returned unspent.
    public var activationWindow: Int64 = 1_000_000_000
    /// A lease request unanswered after this is abandoned (a new one may be sent).
    public var requestTimeout: Int64 = 300_000_000
    /// A waiting admission re-tries at least this often; a shortfall nobody re-asserted for this
    /// long belongs to an admission its caller gave up on, and is forgotten (else the node keeps
    /// asking for, and holding, escrow nobody will spend).
    public var waitForgetAfter: Int64 = 500_000_000
    /// Custody announcements are retried (to other peers) this often.
    public var announceRetry: Int64 = 100_000_000
    /// Unused escrow is returned after this long without admissions on the key.
    public var idleReturnAfter: Int64 = 3_000_000_000
    /// The holder returns what is left of a lease this long before it expires.
    public var returnBeforeExpiry: Int64 = 500_000_000
    /// No answer from a coordinator for this long: the key's partition policy applies.
    public var unreachableAfter: Int64 = 3_000_000_000
    /// Ask for more when the balance would last less than refresh + this lead at the current rate.
    public var prefetchLead: Int64 = 500_000_000
    /// A holder counts as active (for fair shares) if it asked within this time.
    public var activeWindow: Int64 = 3_000_000_000

    /// End-game: a request denied for exhaustion keeps waiting (re-asking) this long while
    /// escrow elsewhere may still come back, before it is refused.
    public var endgamePatience: Int64 = 1_500_000_000

    /// Longest time between the first and the last coordinator adopting a new coordinator set
    /// (configuration propagation). A key gained under a new set is learned for
    /// `coordinatorExpiry + setChangeSpread`, so the old owner's last grants are known first.
    public var setChangeSpread: Int64 = 1_000_000_000

    /// A closed window's state (ledger, leases, usage per node and epoch) is kept this long after
    /// the window ends, then reclaimed, at coordinators and sidecars. Longer than a lease's life,
    /// so the old window's leases end and late reports merge before it goes.
    public var windowGrace: Int64 = 30_000_000_000

    /// Spend ceilings in the WAL (see `SidecarSyncState+Ceilings`): each checkpoint records, per
    /// issuer, a ceiling a little above what this epoch has consumed, and admission never goes
    /// beyond the last ceiling that may be on disk. A restarted sidecar then closes its former
    /// epoch's leases at those ceilings instead of leaving them charged in full. Needs the caller
    /// to confirm each record's durability (`walCommitted`); off unless the caller does.
    public var walCeilings = false
    /// The WAL group-commit interval the ceilings' headroom must cover.
    public var walCommitInterval: Int64 = 100_000_000

    public init() {}

    /// When the coordinator may treat a lease granted at time 0 as certainly over:
    /// ttl x (1 + drift) + max delay, on the coordinator's clock. Also the learning period.
    public var coordinatorExpiry: Int64 { leaseTTL + leaseTTL / 1_000_000 * maxDriftPPM + maxDelay }
}

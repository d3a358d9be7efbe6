/// Which faults a simulation injects.
public enum FaultProfile: String, Sendable, Hashable, CaseIterable, Codable {
    /// Latency and clock drift only.
    case none
    /// 1% loss, 1% duplication, reordering and rare long delays.
    case loss
    /// Groups of sidecars cut off from coordinators and the rest for seconds at a time.
    case partition
    /// Coordinator crashes/restarts (state lost), some together with up to k sidecars holding
    /// fresh leases; lone sidecar crashes losing their unflushed WAL tail.
    case crash
    /// All of the above (a coordinator crash never overlaps a partition: see the doc's bound).
    case all
    /// Key ownership moves: a coordinator is lost for good and removed from the set after a
    /// threshold (with two or more coordinators), and a coordinator is added; each coordinator
    /// adopts the new set after its own delay, so old owners may grant for a while (fencing).
    case failover
}

/// Knobs of a simulation batch. Defaults give a ~25 s simulated run per seed.
public struct SimulationOptions: Sendable, Hashable {
    public var sidecars = 3
    public var coordinators = 1
    public var seeds = 1
    public var firstSeed: UInt64 = 1
    public var faults: FaultProfile = .none
    /// Simulated run length (ns).
    public var duration: Int64 = 25_000_000_000
    /// Mean requests per second per sidecar (per-node rates vary 0.25x..4x).
    public var requestsPerSecond = 4.0
    /// Mean reservation per request (units); actual usage is 20..100% of it.
    public var meanReservation: Int64 = 1_000
    /// The budget is sized to last this long at the fleet's mean demand.
    public var budgetSeconds = 16.0
    /// One-way latency: base + uniform jitter (ns).
    public var latencyBase: Int64 = 1_000_000
    public var latencyJitter: Int64 = 4_000_000
    /// Clock rate drift bound actually applied to nodes (ppm); must stay below the protocol's.
    public var driftPPM: Int64 = 5_000
    /// Fault-profile rates.
    public var lossRate = 0.01
    public var duplicateRate = 0.01
    public var longDelayRate = 0.005
    /// Sidecar timer period (ns).
    public var tickInterval: Int64 = 100_000_000
    /// A request waiting for escrow longer than this is refused (counts against utilization).
    public var maxWait: Int64 = 10_000_000_000
    /// WAL group-commit interval (ns): a crashed sidecar loses what was not yet committed.
    public var walInterval: Int64 = 10_000_000
    /// Also run the naive sync-only baseline on the same workload and faults.
    public var baseline = true
    /// Baseline sync period (ns), like Kong's sync_rate or Gubernator GLOBAL's broadcast.
    public var baselineSyncInterval: Int64 = 1_000_000_000
    /// Break the "at most k simultaneous failures" assumption on purpose (coordinator crash during
    /// a partition, and with the holder and all its custodians): measures the stated bound.
    public var beyondK = false
    /// Hash every event of the run (`SimulationReport.traceHash`), for determinism checks.
    public var hashTrace = false
    /// Print a trace line for notable events (first bad refusal).
    public var trace = false
    /// Print every non-gossip message to or from this node index (-1: none).
    public var traceNode = -1
    /// Failover: how long a lost coordinator is down before the set drops it, and the spread of
    /// the moments at which coordinators adopt a new set (ns).
    public var ownerDownAfter: Int64 = 2_000_000_000
    public var setAdoptionSpread: Int64 = 300_000_000
    public var sync = SyncConfig()
    public var membership = MembershipConfig()

    public init(sidecars: Int = 3, coordinators: Int = 1, seeds: Int = 1, faults: FaultProfile = .none) {
        self.sidecars = sidecars
        self.coordinators = coordinators
        self.seeds = seeds
        self.faults = faults
        sync.minLease = 2 * meanReservation
        sync.walCeilings = true
        sync.walCommitInterval = tickInterval
        sync.setChangeSpread = setAdoptionSpread
    }
}

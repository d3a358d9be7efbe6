import TollgateJSON


/// Results of a batch of simulated runs. `jsonString` has the keys the CLI promises
/// (runs, overspend_tokens_max, utilization_min, baseline_overspend_tokens_max,
/// coordinator_restart_usage_lost, grant_resume_seconds_max, gossip_rounds_p99) plus more.
public struct SimulationReport: Sendable, Encodable {
    public var sidecars: Int
    public var coordinators: Int
    public var faults: String
    public var runs: Int
    /// Max over runs and hard keys of max(0, ground-truth spent - limit).
    public var overspendTokensMax: Int64
    /// Max over runs of max(0, peak reservations outstanding - limit) on hard keys.
    public var overcommitTokensMax: Int64
    /// Min over runs and keys of (spent by requests admitted before the first refusal that the
    /// budget could still have served) / limit. See docs/sync-protocol.md.
    public var utilizationMin: Double
    public var utilizationMean: Double
    /// 5th percentile over runs.
    public var utilizationP05: Double
    /// The seed with the lowest utilization (to reproduce it).
    public var utilizationMinSeed: UInt64
    public var baselineOverspendTokensMax: Int64
    public var baselineOverspendRatioMax: Double
    public var baselineUtilizationMin: Double
    /// Max over coordinator restarts of usage the old coordinator knew that the new one did not
    /// know when learning ended.
    public var coordinatorRestartUsageLost: Int64
    /// The same, for restarts where a crashed sidecar also lost its disk (its last spend before
    /// the crash may be known only to custodians, up to one refresh interval stale).
    public var coordinatorRestartUsageLostWithDiskLoss: Int64
    public var coordinatorRestarts: Int
    public var sidecarCrashes: Int
    /// Max over coordinator restarts of (first grant - restart), seconds of simulated time.
    public var grantResumeSecondsMax: Double
    /// p99 of gossip rounds for a broadcast to reach every live sidecar.
    public var gossipRoundsP99: Double
    public var gossipRoundsMax: Double
    /// p99 time for a settled usage change to reach its coordinator (ms).
    public var usageToCoordinatorP99Ms: Double
    /// p99 time for a usage change to reach 99% of sidecars by gossip (ms).
    public var usageTo99PctSidecarsP99Ms: Double
    /// Some usage change had not reached 99% of sidecars when its run ended (figure is a lower bound).
    public var usageTo99PctSidecarsCensored: Bool
    /// Coordinator grants that broke used + outstanding <= limit (must be 0).
    public var invariantViolations: Int
    public var messages: Int
    /// Seeds whose hard-key overspend was non-zero (each becomes a regression test).
    public var failingSeeds: [UInt64]
    public var wallSeconds: Double
    /// Utilization up to the first refusal of any kind, fail_closed partition refusals included
    /// (the policy working, not the protocol wasting budget): the stricter reading.
    public var utilizationAnyRefusalMin = 1.0
    public var utilizationAnyRefusalMean = 0.0
    public var utilizationAnyRefusalP05 = 0.0
    /// Per cause (`RefusalCause`), how many runs' hard keys had their first early refusal for it.
    public var firstRefusalCauses: [String: Int] = [:]
    /// Gossip rounds for broadcasts that a crash or partition disturbed (they measure the outage).
    public var gossipRoundsDisturbedP99 = 0.0
    /// Undisturbed broadcasts measured (the population of `gossipRoundsP99`).
    public var gossipBroadcasts = 0
    /// Broadcasts that had not reached every live sidecar when the run ended.
    public var gossipCensored = 0
    /// Admissions that could not pass at once (`.wait`: cold start, learning, end-game, escrow
    /// above a WAL ceiling), as a fraction of all admissions, and the p99 of their wait (ms).
    public var admissionsWaitedFraction = 0.0
    public var admissionWaitP99Ms = 0.0
    /// Keys whose owner changed with a coordinator-set change (failover), over all runs.
    public var ownershipMoves = 0
    /// Hash of every event of every run (with `SimulationOptions.hashTrace`; 0 otherwise).
    public var traceHash: UInt64 = 0

    enum CodingKeys: String, CodingKey {
        case sidecars, coordinators, faults, runs, messages
        case overspendTokensMax = "overspend_tokens_max"
        case overcommitTokensMax = "overcommit_tokens_max"
        case utilizationMin = "utilization_min"
        case utilizationMean = "utilization_mean"
        case utilizationP05 = "utilization_p05"
        case utilizationMinSeed = "utilization_min_seed"
        case baselineOverspendTokensMax = "baseline_overspend_tokens_max"
        case baselineOverspendRatioMax = "baseline_overspend_ratio_max"
        case baselineUtilizationMin = "baseline_utilization_min"
        case coordinatorRestartUsageLost = "coordinator_restart_usage_lost"
        case coordinatorRestartUsageLostWithDiskLoss = "coordinator_restart_usage_lost_with_disk_loss"
        case coordinatorRestarts = "coordinator_restarts"
        case sidecarCrashes = "sidecar_crashes"
        case grantResumeSecondsMax = "grant_resume_seconds_max"
        case gossipRoundsP99 = "gossip_rounds_p99"
        case gossipRoundsMax = "gossip_rounds_max"
        case usageToCoordinatorP99Ms = "usage_to_coordinator_p99_ms"
        case usageTo99PctSidecarsP99Ms = "usage_to_99pct_sidecars_p99_ms"
        case usageTo99PctSidecarsCensored = "usage_to_99pct_sidecars_censored"
        case invariantViolations = "invariant_violations"
        case failingSeeds = "failing_seeds"
        case wallSeconds = "wall_seconds"
        case utilizationAnyRefusalMin = "utilization_any_refusal_min"
        case utilizationAnyRefusalMean = "utilization_any_refusal_mean"
        case utilizationAnyRefusalP05 = "utilization_any_refusal_p05"
        case firstRefusalCauses = "first_refusal_causes"
        case gossipRoundsDisturbedP99 = "gossip_rounds_disturbed_p99"
        case gossipBroadcasts = "gossip_broadcasts"
        case gossipCensored = "gossip_censored"
        case admissionsWaitedFraction = "admissions_waited_fraction"
        case admissionWaitP99Ms = "admission_wait_p99_ms"
        case traceHash = "trace_hash"
        case ownershipMoves = "ownership_moves"
    }

    /// One JSON object, keys sorted. Written by hand: the package keeps Foundation (and its
    /// ICU data) out of the binary.
    public var jsonString: String {
        func num(_ d: Double) -> String { d.isFinite ? "\(d)" : "null" }
        func str(_ s: String) -> String {
            var out: [UInt8] = []
            JSONValue.writeString(s, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        let fields: [(CodingKeys, String)] = [
            (.sidecars, "\(sidecars)"), (.coordinators, "\(coordinators)"), (.faults, str(faults)), (.runs, "\(runs)"),
            (.overspendTokensMax, "\(overspendTokensMax)"), (.overcommitTokensMax, "\(overcommitTokensMax)"),
            (.utilizationMin, num(utilizationMin)), (.utilizationMean, num(utilizationMean)), (.utilizationP05, num(utilizationP05)),
            (.utilizationMinSeed, "\(utilizationMinSeed)"),
            (.baselineOverspendTokensMax, "\(baselineOverspendTokensMax)"), (.baselineOverspendRatioMax, num(baselineOverspendRatioMax)),
            (.baselineUtilizationMin, num(baselineUtilizationMin)),
            (.coordinatorRestartUsageLost, "\(coordinatorRestartUsageLost)"),
            (.coordinatorRestartUsageLostWithDiskLoss, "\(coordinatorRestartUsageLostWithDiskLoss)"),
            (.coordinatorRestarts, "\(coordinatorRestarts)"), (.sidecarCrashes, "\(sidecarCrashes)"),
            (.grantResumeSecondsMax, num(grantResumeSecondsMax)), (.gossipRoundsP99, num(gossipRoundsP99)),
            (.gossipRoundsMax, num(gossipRoundsMax)), (.usageToCoordinatorP99Ms, num(usageToCoordinatorP99Ms)),
            (.usageTo99PctSidecarsP99Ms, num(usageTo99PctSidecarsP99Ms)),
            (.usageTo99PctSidecarsCensored, usageTo99PctSidecarsCensored ? "true" : "false"),
            (.invariantViolations, "\(invariantViolations)"), (.messages, "\(messages)"),
            (.failingSeeds, "[" + failingSeeds.map { "\($0)" }.joined(separator: ",") + "]"),
            (.wallSeconds, num(wallSeconds)),
            (.utilizationAnyRefusalMin, num(utilizationAnyRefusalMin)), (.utilizationAnyRefusalMean, num(utilizationAnyRefusalMean)),
            (.utilizationAnyRefusalP05, num(utilizationAnyRefusalP05)),
            (.firstRefusalCauses, "{" + firstRefusalCauses.sorted { $0.key < $1.key }.map { "\(str($0.key)):\($0.value)" }.joined(separator: ",") + "}"),
            (.gossipRoundsDisturbedP99, num(gossipRoundsDisturbedP99)), (.gossipBroadcasts, "\(gossipBroadcasts)"),
            (.gossipCensored, "\(gossipCensored)"),
            (.admissionsWaitedFraction, num(admissionsWaitedFraction)), (.admissionWaitP99Ms, num(admissionWaitP99Ms)),
            (.traceHash, "\(traceHash)"), (.ownershipMoves, "\(ownershipMoves)"),
        ]
        let body = fields.sorted { $0.0.stringValue < $1.0.stringValue }.map { "\(str($0.0.stringValue)):\($0.1)" }
        return "{" + body.joined(separator: ",") + "}"
    }
}

import Glibc

/// Per-seed outcome.
struct RunResult {
    var overspend: Int64 = 0
    var overcommit: Int64 = 0
    var utilization = 1.0
    /// The same, but up to the first refusal of any kind (fail_closed partition refusals included).
    var utilizationAnyRefusal = 1.0
    /// Why the first refusal came early, per hard key that had one.
    var causes: [RefusalCause] = []
    var gossipRoundsDisturbed: [Double] = []
    var gossipCensored = 0
    var admissions = 0
    var admissionWaits: [Int64] = []
    var traceHash: UInt64 = 0
    var ownershipMoves = 0
    var restartsLost: [Int64] = []
    var restartsLostDiskLoss: [Int64] = []
    var grantResume: [Int64] = []
    var gossipRounds: [Double] = []
    var usageToCoordinator: [Int64] = []
    var usageTo99: [Int64] = []
    var usageTo99Censored = false
    var invariantViolations = 0
    var messages = 0
    var coordinatorCrashes = 0
    var sidecarCrashes = 0
}

extension Simulator {
    /// Runs to the end and measures against ground truth.
    mutating func result() -> RunResult {
        run()
        var r = RunResult()
        // Unsettled admitted requests at the end count in full (they were served or are serving).
        let spent = keys.map(\.committed)
        for (k, t) in keys.enumerated() where t.policy.isHard {
            r.overspend = max(r.overspend, spent[k] - t.limit)
            r.overcommit = max(r.overcommit, t.peakCommitted - t.limit)
            let u = min(1, Double(t.committedAtFirstBad ?? spent[k]) / Double(t.limit))
            r.utilization = min(r.utilization, u)
            let ua = min(1, Double(t.committedAtFirstAny ?? spent[k]) / Double(t.limit))
            r.utilizationAnyRefusal = min(r.utilizationAnyRefusal, ua)
            if let c = t.firstCause { r.causes.append(c) }
        }
        r.restartsLost = usageLost
        r.restartsLostDiskLoss = usageLostDiskLoss
        r.grantResume = grantResume
        for mk in markers {
            // Rounds to reach every live sidecar, only for broadcasts no crash or partition
            // disturbed (those measure the outage, reported apart); one that never got there
            // counts as the rounds it had.
            let rounds = (Double(mk.tFull ?? (o.duration - mk.start)) / Double(o.membership.gossipInterval)).rounded(.up)
            if mk.tFull == nil { r.gossipCensored += 1 }
            if mk.disturbed { r.gossipRoundsDisturbed.append(rounds) } else { r.gossipRounds.append(rounds) }
            // A marker that never reached 99% counts as the time it had (a lower bound).
            if let u = mk.usage99 { r.usageTo99.append(u) } else { r.usageTo99.append(o.duration - mk.start); r.usageTo99Censored = true }
        }
        r.usageToCoordinator = usageToCoordinator
        r.invariantViolations = invariantViolations
        r.messages = messages
        r.admissions = admissions
        r.traceHash = traceHash
        r.ownershipMoves = ownershipMoves
        r.admissionWaits = admissionWaits
        r.coordinatorCrashes = coordinatorCrashes
        r.sidecarCrashes = sidecarCrashes
        return r
    }
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded(.up)))]
}

/// Runs `options.seeds` seeded simulations (and the baseline on each) and aggregates them.
public func runSimulations(_ options: SimulationOptions) -> SimulationReport {
    let start = wallClockSeconds()
    var report = SimulationReport(sidecars: options.sidecars, coordinators: options.coordinators, faults: options.faults.rawValue,
                                  runs: 0, overspendTokensMax: 0, overcommitTokensMax: 0, utilizationMin: 1, utilizationMean: 0, utilizationP05: 0, utilizationMinSeed: 0,
                                  baselineOverspendTokensMax: 0, baselineOverspendRatioMax: 0, baselineUtilizationMin: 1,
                                  coordinatorRestartUsageLost: 0, coordinatorRestartUsageLostWithDiskLoss: 0, coordinatorRestarts: 0, sidecarCrashes: 0, grantResumeSecondsMax: 0,
                                  gossipRoundsP99: 0, gossipRoundsMax: 0, usageToCoordinatorP99Ms: 0, usageTo99PctSidecarsP99Ms: 0,
                                  usageTo99PctSidecarsCensored: false, invariantViolations: 0, messages: 0, failingSeeds: [], wallSeconds: 0)
    var rounds: [Double] = [], roundsDisturbed: [Double] = [], toCoord: [Double] = [], to99: [Double] = []
    var utilsAny: [Double] = []
    var admissions = 0
    var waits: [Double] = []
    var utilSum = 0.0
    var utils: [Double] = []
    for s in 0..<options.seeds {
        let seed = options.firstSeed + UInt64(s)
        let r = runOne(options, seed: seed)
        report.runs += 1
        report.overspendTokensMax = max(report.overspendTokensMax, r.overspend)
        report.overcommitTokensMax = max(report.overcommitTokensMax, r.overcommit)
        if r.overspend > 0 || r.invariantViolations > 0 { report.failingSeeds.append(seed) }
        if r.utilization < report.utilizationMin { report.utilizationMinSeed = seed }
        report.utilizationMin = min(report.utilizationMin, r.utilization)
        utils.append(r.utilization)
        utilsAny.append(r.utilizationAnyRefusal)
        for c in r.causes { report.firstRefusalCauses[c.rawValue, default: 0] += 1 }
        roundsDisturbed += r.gossipRoundsDisturbed
        report.gossipCensored += r.gossipCensored
        report.ownershipMoves += r.ownershipMoves
        admissions += r.admissions
        waits += r.admissionWaits.map { Double($0) / 1e6 }
        report.traceHash = (report.traceHash ^ r.traceHash) &* 0x0000_0100_0000_01B3
        utilSum += r.utilization
        report.coordinatorRestartUsageLost = max(report.coordinatorRestartUsageLost, r.restartsLost.max() ?? 0)
        report.coordinatorRestartUsageLostWithDiskLoss = max(report.coordinatorRestartUsageLostWithDiskLoss, r.restartsLostDiskLoss.max() ?? 0)
        report.coordinatorRestarts += r.coordinatorCrashes
        report.sidecarCrashes += r.sidecarCrashes
        report.grantResumeSecondsMax = max(report.grantResumeSecondsMax, Double(r.grantResume.max() ?? 0) / 1e9)
        report.invariantViolations += r.invariantViolations
        report.messages += r.messages
        rounds += r.gossipRounds
        toCoord += r.usageToCoordinator.map { Double($0) / 1e6 }
        to99 += r.usageTo99.map { Double($0) / 1e6 }
        if r.usageTo99Censored { report.usageTo99PctSidecarsCensored = true }
        if options.baseline {
            var b = Simulator(options: options, seed: seed, mode: .baseline)
            let br = b.result()
            report.traceHash = (report.traceHash ^ br.traceHash) &* 0x0000_0100_0000_01B3
            report.baselineOverspendTokensMax = max(report.baselineOverspendTokensMax, br.overspend)
            let limit = b.keys.map(\.limit).min() ?? 1
            report.baselineOverspendRatioMax = max(report.baselineOverspendRatioMax, Double(br.overspend) / Double(max(1, limit)))
            report.baselineUtilizationMin = min(report.baselineUtilizationMin, br.utilization)
        }
    }
    report.utilizationMean = report.runs > 0 ? utilSum / Double(report.runs) : 0
    report.utilizationP05 = utils.sorted().dropFirst(utils.count / 20).first ?? 0
    report.utilizationAnyRefusalMin = utilsAny.min() ?? 1
    report.utilizationAnyRefusalMean = utilsAny.isEmpty ? 0 : utilsAny.reduce(0, +) / Double(utilsAny.count)
    report.utilizationAnyRefusalP05 = utilsAny.sorted().dropFirst(utilsAny.count / 20).first ?? 0
    report.gossipRoundsP99 = percentile(rounds, 0.99)
    report.gossipRoundsDisturbedP99 = percentile(roundsDisturbed, 0.99)
    report.gossipBroadcasts = rounds.count
    report.admissionsWaitedFraction = admissions > 0 ? Double(waits.count) / Double(admissions) : 0
    report.admissionWaitP99Ms = percentile(waits, 0.99)
    report.gossipRoundsMax = rounds.max() ?? 0
    report.usageToCoordinatorP99Ms = percentile(toCoord, 0.99)
    report.usageTo99PctSidecarsP99Ms = percentile(to99, 0.99)
    report.wallSeconds = wallClockSeconds() - start
    return report
}

/// One escrow run (exposed for regression tests of single seeds).
func runOne(_ options: SimulationOptions, seed: UInt64) -> RunResult {
    var sim = Simulator(options: options, seed: seed, mode: .escrow)
    sim.debugTrace = options.trace
    sim.traceNode = options.traceNode
    return sim.result()
}

/// Seconds on the monotonic clock, for reporting how long a batch took (never fed to the protocol).
func wallClockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

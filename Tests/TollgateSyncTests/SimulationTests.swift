import Foundation
import Testing
@testable import TollgateSync

struct SimulationTests {
    static func opts(_ n: Int, _ f: FaultProfile, seeds: Int, first: UInt64 = 1, baseline: Bool = false) -> SimulationOptions {
        var o = SimulationOptions(sidecars: n, coordinators: 1, seeds: seeds, faults: f)
        o.firstSeed = first
        o.baseline = baseline
        return o
    }

    /// Randomized seeds at 3 sidecars, every fault profile: zero hard-budget overspend, the
    /// coordinator invariant never broken.
    @Test(arguments: FaultProfile.allCases)
    func randomizedSmallClusters(_ f: FaultProfile) {
        let r = runSimulations(Self.opts(3, f, seeds: 24, first: 1_000))
        #expect(r.overspendTokensMax == 0, "failing seeds \(r.failingSeeds)")
        #expect(r.overcommitTokensMax <= 0)
        #expect(r.invariantViolations == 0)
    }

    /// Seeds that once overspent (knowledge of grants eroding across crashes; a custodian
    /// crashing before it reported): regression tests.
    @Test(arguments: [(FaultProfile.crash, UInt64(12)), (.crash, 14), (.crash, 26), (.all, 27), (.all, 38)])
    func regressionSeeds(_ f: FaultProfile, _ seed: UInt64) {
        let r = runSimulations(Self.opts(3, f, seeds: 1, first: seed))
        #expect(r.overspendTokensMax == 0 && r.invariantViolations == 0)
    }

    /// The same seed reproduces the same run exactly.
    @Test func deterministic() {
        let a = runSimulations(Self.opts(5, .all, seeds: 2, baseline: true))
        let b = runSimulations(Self.opts(5, .all, seeds: 2, baseline: true))
        #expect(a.messages == b.messages)
        #expect(a.utilizationMin == b.utilizationMin)
        #expect(a.baselineOverspendTokensMax == b.baselineOverspendTokensMax)
    }

    /// The same seed reproduces every event (messages included) under every fault and at 30
    /// sidecars, several coordinators too: a hash of the full event trace, not just the summary.
    @Test(arguments: [(3, 1, FaultProfile.all, UInt64(7)), (30, 1, .all, 3), (5, 3, .all, 11), (10, 1, .loss, 5), (4, 2, .crash, 21)])
    func deterministicTrace(_ n: Int, _ m: Int, _ f: FaultProfile, _ seed: UInt64) {
        var o = SimulationOptions(sidecars: n, coordinators: m, seeds: 1, faults: f)
        o.firstSeed = seed
        o.hashTrace = true
        o.baseline = n <= 10
        o.duration = 12_000_000_000
        var a = runSimulations(o)
        var b = runSimulations(o)
        #expect(a.traceHash != 0)
        #expect(a.traceHash == b.traceHash)
        a.wallSeconds = 0
        b.wallSeconds = 0
        #expect(a.jsonString == b.jsonString)
        // A different seed is a different run (the hash sees it).
        o.firstSeed = seed + 1
        #expect(runSimulations(o).traceHash != a.traceHash)
    }

    /// 30 sidecars without faults: no overspend, >= 97% utilization, the naive baseline
    /// overshoots and the coordinator hears of usage within about a refresh interval.
    @Test func thirtySidecars() {
        let r = runSimulations(Self.opts(30, .none, seeds: 1, baseline: true))
        #expect(r.overspendTokensMax == 0)
        #expect(r.utilizationMin >= 0.97)
        #expect(r.baselineOverspendTokensMax > 0)
        #expect(r.usageToCoordinatorP99Ms < 1_500)
    }

    /// Coordinator restarts: no reconciled usage lost, grants resume within 5 simulated seconds.
    @Test func coordinatorRestart() {
        let r = runSimulations(Self.opts(10, .crash, seeds: 3))
        #expect(r.coordinatorRestarts > 0)
        #expect(r.coordinatorRestartUsageLost == 0)
        #expect(r.grantResumeSecondsMax > 0 && r.grantResumeSecondsMax <= 5)
        #expect(r.overspendTokensMax == 0)
    }

    /// Breaking the failure assumption on purpose (coordinator crash during a partition, with
    /// the holder and all its custodians) can overspend, but never beyond the stated bound.
    @Test func beyondKStaysWithinBound() {
        var o = Self.opts(3, .crash, seeds: 12, first: 500)
        o.beyondK = true
        let r = runSimulations(o)
        // Bound: the unknown escrow of failed knowledge holders, at most one lease each, and a
        // lease is at most a fair share (half the remainder) — so never more than the limit.
        #expect(r.invariantViolations == 0)
        print("beyond-k overspend max: \(r.overspendTokensMax)")
    }

    /// The report carries the JSON keys the CLI promises.
    @Test func reportJSON() throws {
        let r = runSimulations(Self.opts(3, .none, seeds: 1, baseline: true))
        let obj = try JSONSerialization.jsonObject(with: Data(r.jsonString.utf8)) as? [String: Any]
        for k in ["runs", "overspend_tokens_max", "utilization_min", "baseline_overspend_tokens_max",
                  "coordinator_restart_usage_lost", "grant_resume_seconds_max", "gossip_rounds_p99"] {
            #expect(obj?[k] != nil, "missing \(k)")
        }
        #expect(obj?["runs"] as? Int == 1)
    }
}

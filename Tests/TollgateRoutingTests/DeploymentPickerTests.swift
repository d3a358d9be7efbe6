import Testing
@testable import TollgateRouting

@Suite struct DeploymentPickerTests {
    /// Weighted order picks each deployment first in proportion to its weight.
    @Test func weightedProportions() {
        var r = SplitMix64(seed: 1)
        let c = [DeploymentPicker.Candidate(index: 0, weight: 3), .init(index: 1, weight: 1)]
        var firsts = [0, 0]
        for _ in 0..<4_000 {
            let o = DeploymentPicker.order(c, strategy: .weighted, using: &r)
            #expect(Set(o) == [0, 1])
            firsts[o[0]] += 1
        }
        #expect(firsts[0] > 2_800 && firsts[0] < 3_200)
    }

    /// Least in-flight prefers the least loaded per unit of weight.
    @Test func leastInflight() {
        var r = SplitMix64(seed: 2)
        let c = [DeploymentPicker.Candidate(index: 0, weight: 1, inflight: 4),
                 .init(index: 1, weight: 2, inflight: 6),
                 .init(index: 2, weight: 1, inflight: 1)]
        #expect(DeploymentPicker.order(c, strategy: .leastInflight, using: &r) == [2, 1, 0])
    }

    /// Equal loads are spread over the deployments instead of always hitting the first.
    @Test func leastInflightTiesSpread() {
        var r = SplitMix64(seed: 3)
        let c = [DeploymentPicker.Candidate(index: 0, weight: 1), .init(index: 1, weight: 1)]
        var firsts = Set<Int>()
        for _ in 0..<50 { firsts.insert(DeploymentPicker.order(c, strategy: .leastInflight, using: &r)[0]) }
        #expect(firsts == [0, 1])
    }

    /// Deployments with an open breaker (or weight 0) go last but are still listed.
    @Test func unavailableLast() {
        var r = SplitMix64(seed: 4)
        let c = [DeploymentPicker.Candidate(index: 0, weight: 5, available: false),
                 .init(index: 1, weight: 1), .init(index: 2, weight: 0)]
        let o = DeploymentPicker.order(c, strategy: .weighted, using: &r)
        #expect(o.first == 1)
        #expect(Set(o) == [0, 1, 2])
    }

    /// Connect errors, timeouts, 429 and 5xx fall back; 4xx other than 429 do not; 429 does
    /// not count toward the breaker.
    @Test func failureClassification() {
        #expect(AttemptFailure.connect.isRetryable)
        #expect(AttemptFailure.status(503).isRetryable)
        #expect(AttemptFailure.status(429).isRetryable)
        #expect(!AttemptFailure.status(400).isRetryable)
        #expect(!AttemptFailure.status(429).countsAsFailure)
        #expect(AttemptFailure.timeout.countsAsFailure)
    }
}

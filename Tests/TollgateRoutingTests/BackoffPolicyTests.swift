import Testing
@testable import TollgateRouting

@Suite struct BackoffPolicyTests {
    /// The ceiling doubles per retry and stops at the maximum, without overflow.
    @Test func ceilingGrowsAndCaps() {
        let p = BackoffPolicy(baseNanos: 100, maxNanos: 1_000)
        #expect(p.ceiling(retry: 0) == 100)
        #expect(p.ceiling(retry: 1) == 200)
        #expect(p.ceiling(retry: 3) == 800)
        #expect(p.ceiling(retry: 4) == 1_000)
        #expect(BackoffPolicy(baseNanos: .max / 2, maxNanos: .max).ceiling(retry: 40) == .max)
    }

    /// Delays stay within [0, ceiling] and are spread (jitter), reproducibly for a seed.
    @Test func jitterWithinBounds() {
        let p = BackoffPolicy(baseNanos: 1_000, maxNanos: 8_000)
        var r1 = SplitMix64(seed: 7), r2 = SplitMix64(seed: 7)
        var seen = Set<UInt64>()
        for i in 0..<200 {
            let d = p.delay(retry: i % 5, using: &r1)
            #expect(d <= p.ceiling(retry: i % 5))
            let d2 = p.delay(retry: i % 5, using: &r2)
            #expect(d == d2)
            seen.insert(d)
        }
        #expect(seen.count > 100)
    }
}

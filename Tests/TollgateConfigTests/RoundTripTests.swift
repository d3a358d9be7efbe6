import Testing
@testable import TollgateConfig

/// Seeded property tests: random trees written by the test emitter parse back unchanged.
struct RoundTripTests {
    /// Block-style YAML (with flow parts, comments and block scalars) round-trips.
    @Test(arguments: 0..<8)
    func yamlRoundTrip(batch: Int) throws {
        for i in 0..<500 {
            let seed = UInt64(batch * 1000 + i)
            var emitter = TestYAMLEmitter(seed: seed)
            let t = emitter.tree(depth: 0)
            let text = emitter.document(t)
            do {
                let back = GenTree(try parse(text))
                #expect(back == t, "seed \(seed)\n--- text:\n\(text)\n--- want: \(t)\n--- got:  \(back)")
                if back != t { return }
            } catch {
                Issue.record("seed \(seed): \(error)\n--- text:\n\(text)\n--- tree: \(t)")
                return
            }
        }
    }

    /// JSON renderings of the same trees round-trip.
    @Test func jsonRoundTrip() throws {
        for seed in UInt64(0)..<1000 {
            var emitter = TestYAMLEmitter(seed: seed)
            let t = emitter.tree(depth: 0)
            let text = emitter.json(t)
            do {
                let back = GenTree(try parse(text))
                #expect(back == t, "seed \(seed)\n\(text)")
                if back != t { return }
            } catch {
                Issue.record("seed \(seed): \(error)\n\(text)")
                return
            }
        }
    }
}

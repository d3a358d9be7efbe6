import Testing
@testable import TollgateBudget
import TollgateTestSupport

/// Random interleavings of reserve / settle / release / admin adjust, set and reset / clock steps
/// and crash + recover, through the real `WriteAheadLog` on disk with tiny segments (so rotation
/// and compaction to a snapshot happen all the time). Seeded: a failure replays from its seed.
///
/// The property: a crash right after a group commit loses nothing and invents nothing. Every
/// calendar budget comes back with exactly the settled usage it had (admin changes included)
/// plus its reservations in flight, charged in full.
struct WALAdminPropertyTests {
    static let definitions: [BudgetDefinition] = [
        tokens("life", 50_000, .lifetime, minimumGrant: 8),
        tokens("team-day", 9_000, .day, scope: BudgetScope(team: "a"), minimumGrant: 8),
        tokens("key-hour", 6_000, .hour, unit: .outputTokens, scope: BudgetScope(key: "k1"), minimumGrant: 8),
        tokens("rpm", 40, .perMinute, unit: .requests),
        tokens("soft", 2_000, .day, mode: .soft),
    ]
    static let subjects = [BudgetSubject(key: "k1", team: "a"), BudgetSubject(key: "k2", team: "a"), BudgetSubject(key: "k3", team: "b")]

    /// 16 seeds x 250 steps: after every crash, calendar budgets equal used + reserved before it.
    @Test(arguments: 0..<4)
    func crashAfterCommitIsExact(batch: Int) throws {
        var crashes = 0, adminOps = 0, rotations: UInt64 = 0
        for seed in UInt64(batch * 4)..<UInt64(batch * 4 + 4) {
            let r = try run(seed: seed, steps: 250)
            crashes += r.crashes
            adminOps += r.adminOps
            rotations += r.rotations
        }
        // Not vacuous: the process crashed, operators changed budgets, segments were compacted.
        #expect(crashes > 20 && adminOps > 20 && rotations > 4)
    }

    func run(seed: UInt64, steps: Int) throws -> (crashes: Int, adminOps: Int, rotations: UInt64) {
        var rng = SplitMix64(seed: seed)
        let dir = TempDir()
        let options = WriteAheadLog.Options(directory: dir.path, flushIntervalNanos: 0, segmentBytes: 700, fsync: false)
        var now = t0
        var wal = try WriteAheadLog.open(options)
        var engine = BudgetEngine(Self.definitions, now: now, journal: wal)
        var inFlight: [Reservation] = []
        var crashes = 0, adminOps = 0
        var rotations: UInt64 = 0
        for step in 0..<steps {
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<35:
                let est = CostEstimate(inputTokens: Int64.random(in: 1...400, using: &rng),
                                       requestedOutput: Bool.random(using: &rng) ? nil : Int64.random(in: 1...500, using: &rng),
                                       modelOutputCap: 800)
                if case .admitted(let r) = engine.reserve(Self.subjects.randomElement(using: &rng)!, est, now: now) { inFlight.append(r) }
            case 35..<55 where !inFlight.isEmpty:
                let r = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &rng))
                let input = Int64.random(in: 0...r.cost.inputTokens, using: &rng)
                let output = Int64.random(in: 0...(r.outputGrant ?? 0), using: &rng)
                engine.settle(r, actual: CostEstimator.actual(inputTokens: input, outputTokens: output), now: now)
            case 55..<62 where !inFlight.isEmpty:
                engine.release(inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &rng)), now: now)
            case 62..<72:
                let id = Self.definitions.randomElement(using: &rng)!.id
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: engine.adjust(id, by: Int64.random(in: -800...800, using: &rng), now: now)
                case 1: engine.setUsed(id, to: Int64.random(in: 0...3_000, using: &rng), now: now)
                default: engine.reset(id, now: now)
                }
                adminOps += 1
            case 72..<82:
                now += Int64.random(in: 0...(2 * Nanos.perHour), using: &rng)
            default:
                // Crash right after a group commit: what the engine knew is all on disk.
                #expect(wal.flush(), "seed \(seed) step \(step): flush failed")
                let before = engine.snapshot(now: now)
                rotations += wal.stats.rotations
                wal.close()
                wal = try WriteAheadLog.open(options)
                #expect(wal.recovered.problems.isEmpty, "seed \(seed) step \(step): \(wal.recovered.problems)")
                engine = BudgetEngine(Self.definitions, now: now, journal: wal, firstReservationID: wal.recovered.nextReservationID)
                engine.restore(wal.recovered.charged, now: now)
                let after = engine.snapshot(now: now)
                for (b, a) in zip(before, after) where !b.window.isRate && b.unit != .concurrent {
                    #expect(a.used == b.used + b.reserved, "seed \(seed) step \(step): \(b.id) was \(b.used)+\(b.reserved), recovered \(a.used)")
                    #expect(a.reserved == 0)
                }
                inFlight = []
                crashes += 1
            }
        }
        rotations += wal.stats.rotations
        wal.close()
        return (crashes, adminOps, rotations)
    }
}

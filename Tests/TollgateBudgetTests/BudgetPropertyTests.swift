import Testing
@testable import TollgateBudget
import TollgateTestSupport

/// Random interleavings of reserve / settle / release / flush / clock steps / crash+recover,
/// from seeded generators so any failure replays from its seed.
struct BudgetPropertyTests {
    static let definitions: [BudgetDefinition] = [
        tokens("life", 20_000, .lifetime, minimumGrant: 8),
        tokens("team-day", 6_000, .day, scope: BudgetScope(team: "a"), minimumGrant: 8),
        tokens("key-out", 4_000, .hour, unit: .outputTokens, scope: BudgetScope(key: "k1"), minimumGrant: 8),
        tokens("usd", 50_000, .month, unit: .costMicros, scope: BudgetScope(team: "a", model: "m"), minimumGrant: 8),
        tokens("rpm", 30, .perMinute, unit: .requests),
        tokens("soft", 1_000, .day, mode: .soft),
    ]
    static let price = ModelPrice(inputMicrosPerMillion: 1_000_000, outputMicrosPerMillion: 4_000_000)
    static let subjects = [
        BudgetSubject(key: "k1", team: "a", model: "m"), BudgetSubject(key: "k2", team: "a", model: "m"),
        BudgetSubject(key: "k1", team: "b", model: "n"), BudgetSubject(key: "k3"),
    ]

    /// The model of the world outside the engine: what the test knows was served and acknowledged.
    struct World {
        var rng: SplitMix64
        var now: UTCNanos = t0
        var engine: BudgetEngine
        var log: [WALRecord] = []
        var durable = 0
        var inFlight: [Reservation] = []
        /// Settled usage per budget window whose settle record was flushed (acknowledged).
        var acked: [WALWindowKey: Int64] = [:]
        var unackedSettles: [(index: Int, entries: [WALEntry])] = []
        var recoveries = 0
        var refused = 0
        /// Reservations the proxy forwarded upstream: only after their reserve record was durable.
        var forwarded: Set<UInt64> = []
        /// Ground truth: what the upstream served per budget window, whatever was journaled.
        var served: [WALWindowKey: Int64] = [:]

        init(seed: UInt64) {
            rng = SplitMix64(seed: seed)
            engine = BudgetEngine(BudgetPropertyTests.definitions, now: t0)
        }
    }

    /// Journal adapter collecting records into the world's log (single-threaded test).
    final class Collect: BudgetJournal, @unchecked Sendable {
        var records: [WALRecord] = []
        func append(_ record: WALRecord) -> WALTicket {
            records.append(record)
            return WALTicket(sequence: UInt64(records.count))
        }
    }

    /// Hard budgets are never exceeded (by what the upstream served, across crashes), and
    /// recovery never loses acknowledged settled usage nor charges more than the limit, across 64 seeds of 300 steps.
    @Test(arguments: 0..<8)
    func randomInterleavings(batch: Int) throws {
        var refused = 0, recoveries = 0
        for seed in UInt64(batch * 8)..<UInt64(batch * 8 + 8) {
            let w = try run(seed: seed, steps: 300)
            refused += w.refused
            recoveries += w.recoveries
        }
        // Not vacuous: budgets ran out and the process "crashed" many times.
        #expect(refused > 50 && recoveries > 20)
    }

    func run(seed: UInt64, steps: Int) throws -> World {
        var w = World(seed: seed)
        var journal = Collect()
        w.engine = BudgetEngine(Self.definitions, now: w.now, journal: journal)
        for step in 0..<steps {
            let roll = Int.random(in: 0..<100, using: &w.rng)
            switch roll {
            case 0..<40:
                let subject = Self.subjects.randomElement(using: &w.rng)!
                let maxTokens: Int64? = Bool.random(using: &w.rng) ? nil : Int64.random(in: 1...800, using: &w.rng)
                let est = CostEstimate(inputTokens: Int64.random(in: 1...600, using: &w.rng), requestedOutput: maxTokens,
                                       modelOutputCap: 1_000, price: Self.price)
                switch w.engine.reserve(subject, est, now: w.now) {
                case .admitted(let r): w.inFlight.append(r)
                case .refused: w.refused += 1
                }
            case 40..<65 where w.inFlight.contains(where: { w.forwarded.contains($0.id) }):
                let candidates = w.inFlight.indices.filter { w.forwarded.contains(w.inFlight[$0].id) }
                let r = w.inFlight.remove(at: candidates.randomElement(using: &w.rng)!)
                // The provider uses at most what was reserved: input <= the bound, output <= max_tokens.
                let input = Int64.random(in: 0...r.cost.inputTokens, using: &w.rng)
                let output = Int64.random(in: 0...(r.outputGrant ?? 0), using: &w.rng)
                w.engine.settle(r, actual: CostEstimator.actual(inputTokens: input, outputTokens: output, price: Self.price), now: w.now)
                for e in r.entries where e.cell.unit != .concurrent {
                    let a = CostEstimator.actual(inputTokens: input, outputTokens: output, price: Self.price).amount(e.cell.unit)
                    w.served[WALWindowKey(budgetID: e.cell.id, windowID: e.windowID), default: 0] += a
                }
                if case .settle(_, let entries)? = journal.records.last {
                    w.unackedSettles.append((journal.records.count, entries))
                }
            case 65..<72 where !w.inFlight.isEmpty:
                w.engine.release(w.inFlight.remove(at: Int.random(in: 0..<w.inFlight.count, using: &w.rng)), now: w.now)
            case 72..<82:
                // Group commit: everything so far is durable; settlements are acknowledged.
                w.durable = journal.records.count
                for s in w.unackedSettles { for e in s.entries { w.acked[e.key, default: 0] += e.amount } }
                w.unackedSettles = []
                for r in w.inFlight { w.forwarded.insert(r.id) }
            case 82..<92:
                w.now += Int64.random(in: 0...(3 * Nanos.perHour), using: &w.rng)
            default:
                journal = try crashAndRecover(&w, journal: journal, seed: seed, step: step)
            }
            try checkEngine(w, seed: seed, step: step)
        }
        _ = try crashAndRecover(&w, journal: journal, seed: seed, step: steps)
        return w
    }

    /// kill -9: keep the durable records plus a random, possibly torn, part of the unflushed tail;
    /// replay the bytes; start a new engine from what was recovered.
    func crashAndRecover(_ w: inout World, journal: Collect, seed: UInt64, step: Int) throws -> Collect {
        var bytes: [UInt8] = []
        var durableBytes = 0
        for (i, r) in journal.records.enumerated() {
            r.encode(into: &bytes)
            if i + 1 == w.durable { durableBytes = bytes.count }
        }
        let cut = Int.random(in: durableBytes...bytes.count, using: &w.rng)
        let (records, report) = WALReplayer.replay(bytes[..<cut])
        #expect(report.validBytes >= durableBytes, "seed \(seed) step \(step): durable records lost")
        var recovery = WALRecovery()
        recovery.apply(records)
        let charged = recovery.charged
        for (key, amount) in w.acked {
            #expect(charged[key, default: 0] >= amount, "seed \(seed) step \(step): \(key) under-counted")
        }
        for d in Self.definitions where d.mode == .hard && !d.isRateLimit {
            for (key, amount) in charged where key.budgetID == d.id {
                #expect(amount <= d.limit, "seed \(seed) step \(step): \(key) recovered \(amount) > \(d.limit)")
            }
        }
        // Requests forwarded and in flight at the crash: assume the upstream served them in full.
        for r in w.inFlight where w.forwarded.contains(r.id) {
            for e in r.entries { w.served[WALWindowKey(budgetID: e.cell.id, windowID: e.windowID), default: 0] += e.amount }
        }
        for d in Self.definitions where d.mode == .hard && !d.isRateLimit {
            for (key, amount) in w.served where key.budgetID == d.id {
                #expect(amount <= d.limit, "seed \(seed) step \(step): upstream served \(amount) on \(key) > \(d.limit)")
            }
        }
        // Restart: the new log starts with the charged snapshot; in-flight requests are gone.
        let fresh = Collect()
        _ = fresh.append(.snapshot(recovery.snapshotChargingOpen()))
        w.engine = BudgetEngine(Self.definitions, now: w.now, journal: fresh, firstReservationID: recovery.nextReservationID)
        w.engine.restore(charged, now: w.now)
        w.durable = 1
        w.inFlight = []
        w.forwarded = []
        w.unackedSettles = []
        w.recoveries += 1
        return fresh
    }

    func checkEngine(_ w: World, seed: UInt64, step: Int) throws {
        for s in w.engine.snapshot(now: w.now) where s.mode == .hard {
            if s.window.isRate {
                #expect(s.used <= s.limit, "seed \(seed) step \(step): \(s.id) bucket over")
            } else {
                #expect(s.used + s.reserved <= s.limit, "seed \(seed) step \(step): \(s.id) used \(s.used) + reserved \(s.reserved) > \(s.limit)")
            }
        }
    }
}

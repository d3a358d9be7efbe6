import Dispatch
import Testing
@testable import TollgateBudget

struct BudgetEngineTests {
    /// A budget is spent exactly to its limit, then refuses with its id, remaining and reset time.
    @Test func exhaustsExactly() throws {
        let engine = BudgetEngine([tokens("day", 1_000, minimumGrant: 1)], now: t0)
        for _ in 0..<10 {
            let r = try #require(engine.reserve(BudgetSubject(), request(input: 50, output: 50), now: t0).reservation)
            engine.settle(r, actual: CostEstimator.actual(inputTokens: 50, outputTokens: 50), now: t0)
        }
        let refusal = try #require(engine.reserve(BudgetSubject(), request(input: 1, output: 0), now: t0).refusal)
        #expect(refusal.budgetID == "day")
        #expect(refusal.kind == .budgetExhausted)
        #expect(refusal.remaining == 0 && refusal.limit == 1_000)
        #expect(refusal.retryAfterNanos == utc(2026, 3, 15) - t0)
        #expect(engine.snapshot(now: t0)[0].refusals == 1)
    }

    /// Settling returns the surplus of the upper bound; releasing returns everything.
    @Test func settleAndRelease() throws {
        let engine = BudgetEngine([tokens("day", 1_000)], now: t0)
        let a = try #require(engine.reserve(BudgetSubject(), request(input: 100, output: 400), now: t0).reservation)
        #expect(engine.snapshot(now: t0)[0].reserved == 500)
        engine.settle(a, actual: CostEstimator.actual(inputTokens: 80, outputTokens: 20), now: t0)
        var s = engine.snapshot(now: t0)[0]
        #expect(s.used == 100 && s.reserved == 0 && s.remaining == 900)
        let b = try #require(engine.reserve(BudgetSubject(), request(input: 100, output: 100), now: t0).reservation)
        engine.release(b, now: t0)
        s = engine.snapshot(now: t0)[0]
        #expect(s.used == 100 && s.reserved == 0)
        // A second settle of the same reservation charges nothing.
        #expect(!engine.settle(a, actual: CostEstimator.actual(inputTokens: 80, outputTokens: 20), now: t0).applied)
        #expect(engine.snapshot(now: t0)[0].used == 100)
    }

    /// Key, team and model budgets admit all or nothing: one refusal leaves no partial holds.
    @Test func multiBudgetAllOrNothing() throws {
        let subject = BudgetSubject(key: "k1", team: "t", model: "m")
        let engine = BudgetEngine([
            tokens("key", 1_000, scope: BudgetScope(key: "k1")),
            tokens("team", 300, scope: BudgetScope(team: "t"), minimumGrant: 200),
            tokens("model", 1_000, scope: BudgetScope(model: "m")),
            tokens("other", 10, scope: BudgetScope(team: "x")),
        ], now: t0)
        #expect(engine.table().matching(subject).map(\.id) == ["key", "team", "model"])
        let r = try #require(engine.reserve(subject, request(input: 100, output: 100), now: t0).reservation)
        #expect(r.entries.count == 3)
        let refusal = try #require(engine.reserve(subject, request(input: 50, output: 100), now: t0).refusal)
        #expect(refusal.budgetID == "team")
        for s in engine.snapshot(now: t0) where s.id != "other" {
            #expect(s.reserved == 200, "budget \(s.id) holds only the admitted request")
        }
    }

    /// Without max_tokens, or with more than is left, max_tokens is set to what remains.
    @Test func clampsMaxTokens() throws {
        let engine = BudgetEngine([tokens("day", 1_000, minimumGrant: 50)], now: t0)
        let a = try #require(engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 200, requestedOutput: 4_000), now: t0).reservation)
        #expect(a.setMaxTokens == 800 && a.outputGrant == 800)
        engine.release(a, now: t0)
        let b = try #require(engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 200), now: t0).reservation)
        #expect(b.setMaxTokens == 800)
        engine.release(b, now: t0)
        let c = try #require(engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 200, requestedOutput: 100), now: t0).reservation)
        #expect(c.setMaxTokens == nil && c.outputGrant == 100)
        engine.release(c, now: t0)
        // 40 left after the prompt is below the minimum grant of 50: refused, not answered with a stub.
        _ = try #require(engine.reserve(BudgetSubject(), request(input: 100, output: 0), now: t0).reservation)
        let refusal = try #require(engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 860), now: t0).refusal)
        #expect(refusal.reason == .belowMinimumGrant && refusal.remaining == 900 && refusal.needed == 910)
        // With the minimum grant the prompt could never fit the limit at all.
        #expect(engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 960), now: t0).refusal?.reason == .exceedsLimit)
    }

    /// A cost budget clamps output by the model's output price.
    @Test func clampsByCost() throws {
        let price = ModelPrice(inputMicrosPerMillion: 2_500_000, outputMicrosPerMillion: 10_000_000)
        let engine = BudgetEngine([tokens("usd", 10_000, unit: .costMicros)], now: t0)
        // 1000 input tokens cost 2500 micros; 7500 micros buy 750 output tokens.
        let r = try #require(engine.reserve(BudgetSubject(), CostEstimate(inputTokens: 1_000, requestedOutput: 5_000, price: price), now: t0).reservation)
        #expect(r.setMaxTokens == 750)
        #expect(r.cost.costMicros == 10_000)
    }

    /// A per-minute token bucket refills continuously and tells how long to wait.
    @Test func tokenBucketRefill() throws {
        let engine = BudgetEngine([tokens("tpm", 600, .perMinute, minimumGrant: 1)], now: t0)
        let r = try #require(engine.reserve(BudgetSubject(), request(input: 600, output: 0), now: t0).reservation)
        engine.settle(r, actual: CostEstimator.actual(inputTokens: 600, outputTokens: 0), now: t0)
        let refusal = try #require(engine.reserve(BudgetSubject(), request(input: 60, output: 0), now: t0).refusal)
        #expect(refusal.kind == .rateLimit)
        #expect(refusal.retryAfterNanos == 6 * Nanos.perSecond)  // 10 tokens per second
        #expect(engine.reserve(BudgetSubject(), request(input: 60, output: 0), now: t0 + 5 * Nanos.perSecond).refusal != nil)
        #expect(engine.reserve(BudgetSubject(), request(input: 60, output: 0), now: t0 + 6 * Nanos.perSecond).reservation != nil)
        // The 60 still held drain with the rest: full again a minute after the last take.
        #expect(engine.snapshot(now: t0 + 60 * Nanos.perSecond)[0].remaining == 540)
        #expect(engine.snapshot(now: t0 + 66 * Nanos.perSecond)[0].remaining == 600)
    }

    /// Settling a bucket reservation below its bound gives the surplus back at once.
    @Test func bucketSettleRefunds() throws {
        let engine = BudgetEngine([tokens("tpm", 1_000, .perMinute)], now: t0)
        let r = try #require(engine.reserve(BudgetSubject(), request(input: 100, output: 900), now: t0).reservation)
        #expect(engine.snapshot(now: t0)[0].remaining == 0)
        engine.settle(r, actual: CostEstimator.actual(inputTokens: 100, outputTokens: 100), now: t0)
        #expect(engine.snapshot(now: t0)[0].remaining == 800)
    }

    /// A day budget starts afresh at UTC midnight; a reservation straddling it settles into its own day.
    @Test func windowRollover() throws {
        let late = utc(2026, 3, 14, 23, 59, 50)
        let engine = BudgetEngine([tokens("day", 1_000, minimumGrant: 1)], now: late)
        let a = try #require(engine.reserve(BudgetSubject(), request(input: 500, output: 500), now: late).reservation)
        #expect(engine.reserve(BudgetSubject(), request(input: 1, output: 0), now: late).refusal != nil)
        let midnight = utc(2026, 3, 15)
        let b = try #require(engine.reserve(BudgetSubject(), request(input: 500, output: 500), now: midnight).reservation)
        engine.settle(a, actual: CostEstimator.actual(inputTokens: 500, outputTokens: 500), now: midnight + 1)
        let s = engine.snapshot(now: midnight + 1)[0]
        #expect(s.used == 0 && s.reserved == 1_000)
        #expect(b.entries[0].windowID == a.entries[0].windowID + 1)
    }

    /// Soft budgets admit past their limit and flag the alert.
    @Test func softBudgetAlerts() throws {
        let engine = BudgetEngine([tokens("soft", 100, mode: .soft)], now: t0)
        let r = try #require(engine.reserve(BudgetSubject(), request(input: 150, output: 0), now: t0).reservation)
        #expect(r.softAlerts == ["soft"])
        #expect(r.setMaxTokens == nil)
        #expect(engine.snapshot(now: t0)[0].softAlerts == 1)
    }

    /// A concurrency limit holds a slot per request in flight and frees it on settle.
    @Test func concurrencyLimit() throws {
        let engine = BudgetEngine([BudgetDefinition(id: "c", unit: .concurrent, window: .day, limit: 2)], now: t0)
        let a = try #require(engine.reserve(BudgetSubject(), request(input: 10, output: 10), now: t0).reservation)
        _ = try #require(engine.reserve(BudgetSubject(), request(input: 10, output: 10), now: t0).reservation)
        let refusal = try #require(engine.reserve(BudgetSubject(), request(input: 10, output: 10), now: t0).refusal)
        #expect(refusal.kind == .rateLimit && refusal.retryAfterNanos == nil)
        engine.settle(a, actual: CostEstimator.actual(inputTokens: 10, outputTokens: 10), now: t0)
        #expect(engine.reserve(BudgetSubject(), request(input: 10, output: 10), now: t0).reservation != nil)
    }

    /// A request larger than the whole limit is refused as such: waiting will not help.
    @Test func exceedsLimit() throws {
        let engine = BudgetEngine([tokens("tpm", 100, .perMinute)], now: t0)
        let refusal = try #require(engine.reserve(BudgetSubject(), request(input: 500, output: 10), now: t0).refusal)
        #expect(refusal.reason == .exceedsLimit && refusal.retryAfterNanos == nil)
    }

    /// Reinstalling budgets keeps counters of unchanged ones and applies new limits in place.
    @Test func installKeepsCounters() throws {
        let engine = BudgetEngine([tokens("day", 1_000)], now: t0)
        let r = try #require(engine.reserve(BudgetSubject(), request(input: 100, output: 100), now: t0).reservation)
        engine.install([tokens("day", 2_000), tokens("new", 5)], now: t0)
        engine.settle(r, actual: CostEstimator.actual(inputTokens: 100, outputTokens: 100), now: t0)
        let s = engine.snapshot(now: t0)
        #expect(s.map(\.id) == ["day", "new"])
        #expect(s[0].used == 200 && s[0].limit == 2_000)
    }

    /// Admin reset and adjust change the current window's usage.
    @Test func adminResetAdjust() throws {
        let engine = BudgetEngine([tokens("day", 1_000)], now: t0)
        #expect(engine.adjust("day", by: 700, now: t0)?.delta == 700)
        #expect(engine.snapshot(now: t0)[0].used == 700)
        #expect(engine.reset("day", now: t0)?.delta == -700)
        #expect(engine.snapshot(now: t0)[0].used == 0)
        #expect(engine.reset("nope", now: t0) == nil)
        #expect(engine.setUsed("day", to: 250, now: t0)?.delta == 250)
        #expect(engine.setUsed("day", to: 100, now: t0)?.delta == -150)
        #expect(engine.status("day", now: t0)?.used == 100)
        #expect(engine.setUsed("nope", to: 1, now: t0) == nil)
    }

    /// Many threads racing for single tokens admit exactly the limit: no overspend by one.
    @Test func concurrentExactExhaustion() {
        let limit: Int64 = 5_000
        let engine = BudgetEngine([
            tokens("shared", limit, minimumGrant: 1),
            tokens("req", 1_000_000, unit: .requests),
        ], now: t0)
        let admitted = NSLockish()
        nonisolated(unsafe) var count: Int64 = 0
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            var mine: Int64 = 0
            for _ in 0..<1_000 {
                if engine.reserve(BudgetSubject(), request(input: 1, output: 0), now: t0).reservation != nil { mine += 1 }
            }
            admitted.with { count += mine }
        }
        #expect(count == limit)
        let s = engine.snapshot(now: t0)
        #expect(s[0].reserved == limit && s[1].reserved == limit)
    }

    /// Threads with their own key budgets and a shared team budget: the shared one is spent exactly,
    /// no key overspends, and no refused request leaves a hold behind.
    @Test func concurrentMultiBudgetExact() {
        var defs = [tokens("team", 3_000, .lifetime, scope: BudgetScope(team: "t"), minimumGrant: 1)]
        for k in 0..<4 { defs.append(tokens("key\(k)", 1_000, .lifetime, scope: BudgetScope(key: "k\(k)"), minimumGrant: 1)) }
        let engine = BudgetEngine(defs, now: t0)
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            let subject = BudgetSubject(key: "k\(k)", team: "t")
            for _ in 0..<1_500 { _ = engine.reserve(subject, request(input: 1, output: 1), now: t0) }
        }
        let s = Dictionary(uniqueKeysWithValues: engine.snapshot(now: t0).map { ($0.id, $0) })
        #expect(s["team"]!.reserved == 3_000)
        #expect((0..<4).map { s["key\($0)"]!.reserved }.reduce(0, +) == 3_000)
        for k in 0..<4 { #expect(s["key\(k)"]!.reserved <= 1_000) }
    }
}

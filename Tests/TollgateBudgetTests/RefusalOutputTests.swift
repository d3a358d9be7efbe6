import Testing
@testable import TollgateBudget

struct RefusalOutputTests {
    static let refusal = Refusal(budgetID: "team \"a\"/day", scope: "team=a", unit: .totalTokens, window: .day,
                                 limit: 100_000, remaining: 120, needed: 4_016, kind: .budgetExhausted,
                                 reason: .insufficient, retryAfterNanos: 3_600 * Nanos.perSecond - 1,
                                 resetInNanos: 3_600 * Nanos.perSecond - 1)

    func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    /// OpenAI error JSON, byte-exact, with code budget_exceeded and the budget named.
    @Test func openAIBody() {
        #expect(text(BudgetRefusalBody.openAI(Self.refusal)) == #"{"error":{"message":"Budget 'team \"a\"/day' (total_tokens per day, scope team=a) is exhausted: 120 of 100000 left, this request needs 4016. Resets in 3600s.","type":"rate_limit_error","param":null,"code":"budget_exceeded","budget":{"id":"team \"a\"/day","scope":"team=a","unit":"total_tokens","window":"day","kind":"budget_exceeded","limit":100000,"remaining":120,"needed":4016,"retry_after_seconds":3600}}}"#)
    }

    /// Anthropic error JSON, byte-exact.
    @Test func anthropicBody() {
        var r = Self.refusal
        r.kind = .rateLimit
        r.budgetID = "rpm"
        r.window = .perMinute
        r.unit = .requests
        r.retryAfterNanos = 1_500_000_000
        #expect(text(BudgetRefusalBody.anthropic(r)) == #"{"type":"error","error":{"type":"rate_limit_error","message":"Rate limit 'rpm' (requests per minute, scope team=a) reached: 120 of 100000 left, this request needs 4016. Retry in 2s."}}"#)
    }

    /// JSON-RPC error for MCP with code -32029 and the request id echoed.
    @Test func jsonRPCBody() {
        let b = text(BudgetRefusalBody.jsonRPC(Self.refusal, id: .string("7")))
        #expect(b.hasPrefix(#"{"jsonrpc":"2.0","id":"7","error":{"code":-32029,"message":"Budget "#))
        #expect(b.hasSuffix(#""retry_after_seconds":3600}}}"#))
        #expect(text(BudgetRefusalBody.jsonRPC(Self.refusal, id: .number(3))).hasPrefix(#"{"jsonrpc":"2.0","id":3,"#))
    }

    /// Control characters in ids are escaped, so the body is always valid JSON.
    @Test func escaping() {
        var j = JSONWriter()
        j.string("a\n\u{1}\\")
        #expect(text(j.bytes) == #""a\n\u0001\\""#)
    }

    /// OpenAI durations: milliseconds under a second, then Go-style h/m/s.
    @Test func durations() {
        #expect(RateLimitHeaders.duration(20 * Nanos.perMillisecond) == "20ms")
        #expect(RateLimitHeaders.duration(Nanos.perSecond) == "1s")
        #expect(RateLimitHeaders.duration(1_500 * Nanos.perMillisecond) == "1.5s")
        #expect(RateLimitHeaders.duration(6 * Nanos.perMinute) == "6m0s")
        #expect(RateLimitHeaders.duration(Nanos.perHour + 2 * Nanos.perMinute + 3 * Nanos.perSecond) == "1h2m3s")
    }

    /// Headers describe the tightest requests budget and the tightest token budget.
    @Test func tightestHeaders() throws {
        let engine = BudgetEngine([
            BudgetDefinition(id: "rpm", unit: .requests, window: .perMinute, limit: 100),
            BudgetDefinition(id: "rpd", unit: .requests, window: .day, limit: 10),
            tokens("tpd", 10_000), tokens("tpm", 1_000, .perMinute),
        ], now: t0)
        let r = try #require(engine.reserve(BudgetSubject(), request(input: 100, output: 100), now: t0).reservation)
        let h = Dictionary(uniqueKeysWithValues: RateLimitHeaders.admitted(r).map { ($0.name, $0.value) })
        #expect(h["x-ratelimit-limit-requests"] == "10")
        #expect(h["x-ratelimit-remaining-requests"] == "9")
        #expect(h["x-ratelimit-reset-requests"] == "12h0m0s")
        #expect(h["x-ratelimit-limit-tokens"] == "1000")
        #expect(h["x-ratelimit-remaining-tokens"] == "800")
        #expect(h["x-ratelimit-reset-tokens"] == "12s")
    }

    /// Refusal headers add Retry-After (seconds) and retry-after-ms.
    @Test func refusalHeaders() {
        let h = Dictionary(uniqueKeysWithValues: RateLimitHeaders.refused(Self.refusal).map { ($0.name, $0.value) })
        #expect(h["retry-after"] == "3600")
        #expect(h["retry-after-ms"] == "3600000")
        #expect(h["x-ratelimit-remaining-tokens"] == "120")
        #expect(h["x-tollgate-budget"] == "team \"a\"/day")
    }
}

struct BudgetStatusOutputTests {
    /// GET /budgets JSON and Prometheus metrics render every figure.
    @Test func renderings() throws {
        let engine = BudgetEngine([tokens("day \"x\"", 1_000), BudgetDefinition(id: "c", unit: .concurrent, window: .lifetime, limit: 4)], now: t0)
        let r = try #require(engine.reserve(BudgetSubject(), request(input: 10, output: 90), now: t0).reservation)
        _ = r
        let json = String(decoding: BudgetStatus.json(engine.snapshot(now: t0)), as: UTF8.self)
        #expect(json == #"{"budgets":[{"id":"day \"x\"","scope":"global","unit":"total_tokens","window":"day","mode":"hard","limit":1000,"used":0,"reserved":100,"remaining":900,"window_id":20526,"reset_seconds":43200,"refusals":0,"soft_alerts":0},{"id":"c","scope":"global","unit":"concurrent","window":"lifetime","mode":"hard","limit":4,"used":0,"reserved":1,"remaining":3,"window_id":0,"reset_seconds":null,"refusals":0,"soft_alerts":0}]}"#)
        let prom = BudgetStatus.prometheus(engine.snapshot(now: t0))
        #expect(prom.contains("# TYPE tollgate_budget_refusals_total counter\n"))
        #expect(prom.contains(#"tollgate_budget_reserved{budget="day \"x\"",scope="global",unit="total_tokens",window="day"} 100"#))
    }
}

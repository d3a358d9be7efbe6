import Testing
@testable import TollgateLLM
import TollgateJSON

/// Price table matching, cost arithmetic and usage records.
struct PriceAndRecordTests {
    /// Snapshots and prefixed names resolve to their family; longer families win.
    @Test(arguments: [
        ("gpt-4o-2024-08-06", "gpt-4o"), ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"), ("openai/gpt-4.1-mini", "gpt-4.1-mini"),
        ("o3-mini-2025-01-31", "o3-mini"), ("o3-2025-04-16", "o3"), ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"), ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"), ("models/gemini-2.5-flash-lite", "gemini-2.5-flash-lite"),
        ("gemini-2.5-flash-preview-05-20", "gemini-2.5-flash"), ("gemini-2.0-flash-001", "gemini-2.0-flash"), ("GPT-4o", "gpt-4o"),
    ])
    func matching(_ model: String, _ family: String) {
        #expect(ModelPriceTable.builtIn.price(for: model) == ModelPriceTable.builtIn.prices[family])
    }

    /// Unknown models and look-alike names do not match.
    @Test func noMatch() {
        #expect(ModelPriceTable.builtIn.price(for: "llama-3.1-70b") == nil)
        #expect(ModelPriceTable.builtIn.price(for: "gpt-4omni") == nil)
    }

    /// Overrides from config win.
    @Test func overrides() {
        let t = ModelPriceTable.builtIn.merging(["gpt-4o": .usd(1, 2)])
        #expect(t.price(for: "gpt-4o-2024-11-20") == .usd(1, 2))
    }

    /// Cost: each kind at its rate, no double counting, one rounding up.
    @Test func costArithmetic() {
        let p = ModelPrice(input: 3_000_000, output: 15_000_000, cachedInput: 300_000, cacheWrite: 3_750_000)
        #expect(p.cost(.zero) == 0)
        #expect(p.cost(Usage(inputTokens: 1)) == 3)
        #expect(p.cost(Usage(outputTokens: 1)) == 15)
        #expect(p.cost(Usage(inputTokens: 10, cachedInputTokens: 10)) == 3)   // 10*0.3
        #expect(p.cost(Usage(inputTokens: 3, cachedInputTokens: 1)) == 7)      // 2*3 + 0.3 -> 6.3 -> 7
        // Unset cached rate: cached tokens billed as input, once.
        #expect(ModelPrice(input: 1_000_000, output: 0).cost(Usage(inputTokens: 10, cachedInputTokens: 4)) == 10)
        // Reasoning at its own rate only when set; else as output.
        let r = ModelPrice(input: 0, output: 10_000_000, reasoning: 1_000_000)
        #expect(r.cost(Usage(outputTokens: 10, reasoningTokens: 4)) == 64)
        #expect(ModelPrice(input: 0, output: 10_000_000).cost(Usage(outputTokens: 10, reasoningTokens: 4)) == 100)
        // Saturates instead of trapping.
        #expect(p.cost(Usage(inputTokens: .max, outputTokens: .max)) == .max)
        #expect(cost(Usage(inputTokens: 1_000_000), .usd(2.5, 10)) == 2_500_000)
    }

    /// A record encodes as one JSON line with a fixed key order.
    @Test func jsonLine() throws {
        let r = UsageRecord(
            timeUnixMillis: 1_763_771_000_123, requestID: "req-1", virtualKey: "vk_1", agent: "planner", team: "search",
            workflow: nil, traceID: "4bf92f3577b34da6a3ce929d0e0e4736", provider: "openai", api: "openai.chat",
            deployment: "oai-east", modelRequested: "gpt-4o", modelServed: "gpt-4o-2024-08-06",
            usage: Usage(inputTokens: 100, outputTokens: 20, cachedInputTokens: 50, reasoningTokens: 0, estimated: true),
            costMicroUSD: 388, status: 200, stream: true, latencyMicros: 812_000, ttfbMicros: nil)
        let line = r.jsonLineString
        #expect(line == #"{"ts_ms":1763771000123,"request_id":"req-1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","virtual_key":"vk_1","agent":"planner","team":"search","workflow":null,"provider":"openai","api":"openai.chat","deployment":"oai-east","model_requested":"gpt-4o","model_served":"gpt-4o-2024-08-06","input_tokens":100,"output_tokens":20,"cached_input_tokens":50,"cache_write_tokens":0,"reasoning_tokens":0,"total_tokens":120,"cost_micro_usd":388,"estimated":true,"status":200,"stream":true,"latency_us":812000,"ttfb_us":null}"#)
        #expect(!line.contains("\n"))
    }

    /// Strings in records are escaped.
    @Test func jsonLineEscapes() {
        let r = UsageRecord(timeUnixMillis: 0, requestID: "a\"b\n")
        #expect(r.jsonLineString.contains(#""request_id":"a\"b\n""#))
    }

    /// Extreme integers, control bytes and non-ASCII text survive the in-place writer: the line
    /// parses back to the same values.
    @Test func jsonLineRoundTripsExtremes() throws {
        let r = UsageRecord(
            timeUnixMillis: -Int64.max, requestID: "\u{0}\u{1F}\"\\é🚀", virtualKey: String(repeating: "\u{1}", count: 50),
            usage: Usage(inputTokens: Int64.max, outputTokens: 0, estimated: false),
            costMicroUSD: -42, status: 599, stream: false, latencyMicros: 0, ttfbMicros: 9)
        let line = r.jsonLine()
        let v = try JSONValue(parsing: line)
        #expect(v["ts_ms"]?.int64Value == -Int64.max)
        #expect(String(decoding: UsageRecord(timeUnixMillis: Int64.min, requestID: "r").jsonLine(), as: UTF8.self).hasPrefix(#"{"ts_ms":-9223372036854775808,"#))
        #expect(v["request_id"]?.stringValue == "\u{0}\u{1F}\"\\é🚀")
        #expect(v["virtual_key"]?.stringValue == String(repeating: "\u{1}", count: 50))
        #expect(v["input_tokens"]?.int64Value == Int64.max)
        #expect(v["cost_micro_usd"]?.int64Value == -42)
        #expect(v["ttfb_us"]?.int64Value == 9)
        #expect(v["estimated"] == .bool(false))
    }
}

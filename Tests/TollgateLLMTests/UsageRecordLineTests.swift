import Testing
import TollgateLLM

/// The in-place usage-line writer against a plain reference encoder over random records.
struct UsageRecordLineTests {
    static func quoted(_ s: String?) -> String {
        guard let s else { return "null" }
        var out: [UInt8] = [0x22]
        for b in s.utf8 {
            switch b {
            case 0x22: out += Array(#"\""#.utf8)
            case 0x5C: out += Array(#"\\"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case 0..<0x20: out += Array(#"\u00"#.utf8) + Array(String(b >> 4, radix: 16).utf8) + Array(String(b & 0xF, radix: 16).utf8)
            default: out.append(b)
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    static func reference(_ r: UsageRecord) -> String {
        func n(_ v: Int64?) -> String { v.map { String($0) } ?? "null" }
        let members: [(String, String)] = [
            ("ts_ms", n(r.timeUnixMillis)), ("request_id", quoted(r.requestID)), ("trace_id", quoted(r.traceID)),
            ("virtual_key", quoted(r.virtualKey)), ("agent", quoted(r.agent)), ("team", quoted(r.team)),
            ("workflow", quoted(r.workflow)), ("provider", quoted(r.provider)), ("api", quoted(r.api)),
            ("deployment", quoted(r.deployment)), ("model_requested", quoted(r.modelRequested)),
            ("model_served", quoted(r.modelServed)), ("input_tokens", n(r.usage.inputTokens)),
            ("output_tokens", n(r.usage.outputTokens)), ("cached_input_tokens", n(r.usage.cachedInputTokens)),
            ("cache_write_tokens", n(r.usage.cacheWriteTokens)), ("reasoning_tokens", n(r.usage.reasoningTokens)),
            ("total_tokens", n(r.usage.totalTokens)), ("cost_micro_usd", n(r.costMicroUSD)),
            ("estimated", r.usage.estimated ? "true" : "false"), ("status", n(Int64(r.status))),
            ("stream", r.stream ? "true" : "false"), ("latency_us", n(r.latencyMicros)), ("ttfb_us", n(r.ttfbMicros)),
        ]
        return "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// Random strings (clean, with escapes, non-ASCII, every length around the 8-byte words)
    /// and integers (every digit count, both signs, extremes) encode as the reference does.
    @Test func agreesWithReference() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", "Z", "-", "é", "🚀", "\"", "\\", "\n", "\r", "\t", "\u{8}", "\u{C}", "\u{1}", "\u{1F}", "\u{0}", "/", "~"]
        func text() -> String? {
            if Int.random(in: 0..<6, using: &rng) == 0 { return nil }
            let clean = Bool.random(using: &rng)
            let n = Int.random(in: 0..<40, using: &rng)
            return String((0..<n).map { _ in clean ? "x" : pieces.randomElement(using: &rng)! }.joined())
        }
        func int() -> Int64 {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: return [Int64.min, .max, 0, -1, 9, 10, 99, 100, 999_999_999_999_999_999, 1_000_000_000_000_000_000].randomElement(using: &rng)!
            case 1: return Int64.random(in: -1000...1000, using: &rng)
            default:
                let digits = Int.random(in: 1...18, using: &rng)
                var v: Int64 = 1
                for _ in 1..<digits { v *= 10 }
                return Int64.random(in: 0..<(v * 9), using: &rng) * (Bool.random(using: &rng) ? 1 : -1)
            }
        }
        for _ in 0..<3000 {
            let r = UsageRecord(
                timeUnixMillis: int(), requestID: text() ?? "", virtualKey: text(), agent: text(), team: text(), workflow: text(),
                traceID: text(), provider: text(), api: text(), deployment: text(), modelRequested: text(), modelServed: text(),
                usage: Usage(
                    inputTokens: int(), outputTokens: int(), cachedInputTokens: int(), cacheWriteTokens: int(), reasoningTokens: int(),
                    estimated: Bool.random(using: &rng)),
                costMicroUSD: int(), status: Int.random(in: 0...999, using: &rng), stream: Bool.random(using: &rng),
                latencyMicros: int(), ttfbMicros: Bool.random(using: &rng) ? int() : nil)
            let line = r.jsonLine(newline: true)
            #expect(String(decoding: line, as: UTF8.self) == Self.reference(r) + "\n")
            var viaBody: [UInt8] = []
            r.withJSONLine(newline: false) { viaBody.append(contentsOf: $0) }
            #expect(viaBody == Array(line.dropLast()))
        }
    }
}

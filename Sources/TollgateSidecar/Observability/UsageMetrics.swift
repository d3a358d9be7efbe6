import Synchronization
import TollgateLLM

/// Token and cost counters by model, for Prometheus. Updated once per LLM request under a
/// short lock; the number of distinct models is bounded so a client cannot grow it forever.
final class UsageMetrics: Sendable {
    struct Totals {
        var requests: UInt64 = 0
        var input: Int64 = 0
        var output: Int64 = 0
        var cachedInput: Int64 = 0
        var cacheWrite: Int64 = 0
        var reasoning: Int64 = 0
        var costMicros: Int64 = 0
        var estimated: UInt64 = 0
    }
    static let maxModels = 256
    private let byModel = Mutex<[String: Totals]>([:])

    func record(model: String?, usage: Usage, costMicros: Int64) {
        byModel.withLock { m in
            var key = model ?? "unknown"
            if m[key] == nil && m.count >= Self.maxModels { key = "other" }
            var t = m[key, default: Totals()]
            t.requests &+= 1
            t.input &+= usage.inputTokens
            t.output &+= usage.outputTokens
            t.cachedInput &+= usage.cachedInputTokens
            t.cacheWrite &+= usage.cacheWriteTokens
            t.reasoning &+= usage.reasoningTokens
            t.costMicros &+= costMicros
            if usage.estimated { t.estimated &+= 1 }
            m[key] = t
        }
    }

    func render() -> String {
        let snapshot = byModel.withLock { $0 }
        var out = "# HELP tollgate_llm_requests_total LLM requests accounted, by model.\n# TYPE tollgate_llm_requests_total counter\n"
        let models = snapshot.keys.sorted()
        for m in models { out += "tollgate_llm_requests_total{model=\(Self.label(m))} \(snapshot[m]!.requests)\n" }
        out += "# HELP tollgate_llm_tokens_total Tokens by model and kind (input includes cached).\n# TYPE tollgate_llm_tokens_total counter\n"
        for m in models {
            let t = snapshot[m]!
            for (kind, v) in [("input", t.input), ("output", t.output), ("cached_input", t.cachedInput), ("cache_write", t.cacheWrite), ("reasoning", t.reasoning)] {
                out += "tollgate_llm_tokens_total{model=\(Self.label(m)),kind=\"\(kind)\"} \(v)\n"
            }
        }
        out += "# HELP tollgate_llm_cost_microdollars_total Cost by model in micro-dollars.\n# TYPE tollgate_llm_cost_microdollars_total counter\n"
        for m in models { out += "tollgate_llm_cost_microdollars_total{model=\(Self.label(m))} \(snapshot[m]!.costMicros)\n" }
        out += "# HELP tollgate_llm_estimated_total Requests whose usage was estimated (no usage from the provider).\n# TYPE tollgate_llm_estimated_total counter\n"
        for m in models { out += "tollgate_llm_estimated_total{model=\(Self.label(m))} \(snapshot[m]!.estimated)\n" }
        return out
    }

    /// A quoted Prometheus label value.
    static func label(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

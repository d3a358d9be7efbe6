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

        mutating func add(_ usage: Usage, _ costMicros: Int64) {
            requests &+= 1
            input &+= usage.inputTokens
            output &+= usage.outputTokens
            cachedInput &+= usage.cachedInputTokens
            cacheWrite &+= usage.cacheWriteTokens
            reasoning &+= usage.reasoningTokens
            self.costMicros &+= costMicros
            if usage.estimated { estimated &+= 1 }
        }
    }
    static let maxModels = 256
    private let byModel = Mutex<[String: Totals]>([:])
    /// The same totals by caller (team and virtual key id); both come from the config, so the
    /// label set is bounded by it.
    private let byCaller = Mutex<[Caller: Totals]>([:])

    struct Caller: Hashable, Comparable {
        var team: String
        var key: String
        static func < (a: Caller, b: Caller) -> Bool { (a.team, a.key) < (b.team, b.key) }
    }

    func record(model: String?, team: String? = nil, key: String? = nil, usage: Usage, costMicros: Int64) {
        if team != nil || key != nil {
            byCaller.withLock { m in
                var k = Caller(team: team ?? "", key: key ?? "")
                if m[k] == nil && m.count >= Self.maxModels * 4 { k = Caller(team: "other", key: "other") }
                m[k, default: Totals()].add(usage, costMicros)
            }
        }
        byModel.withLock { m in
            var key = model ?? "unknown"
            if m[key] == nil && m.count >= Self.maxModels { key = "other" }
            m[key, default: Totals()].add(usage, costMicros)
        }
    }

    func render() -> String {
        let callers = byCaller.withLock { $0 }
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
        guard !callers.isEmpty else { return out }
        let who = callers.keys.sorted()
        func labels(_ c: Caller) -> String { "team=\(Self.label(c.team)),key=\(Self.label(c.key))" }
        out += "# HELP tollgate_llm_caller_requests_total LLM requests by team and virtual key.\n# TYPE tollgate_llm_caller_requests_total counter\n"
        for c in who { out += "tollgate_llm_caller_requests_total{\(labels(c))} \(callers[c]!.requests)\n" }
        out += "# HELP tollgate_llm_caller_tokens_total Tokens by team, virtual key and kind.\n# TYPE tollgate_llm_caller_tokens_total counter\n"
        for c in who {
            let t = callers[c]!
            for (kind, v) in [("input", t.input), ("output", t.output), ("cached_input", t.cachedInput), ("cache_write", t.cacheWrite), ("reasoning", t.reasoning)] {
                out += "tollgate_llm_caller_tokens_total{\(labels(c)),kind=\"\(kind)\"} \(v)\n"
            }
        }
        out += "# HELP tollgate_llm_caller_cost_microdollars_total Cost by team and virtual key in micro-dollars.\n# TYPE tollgate_llm_caller_cost_microdollars_total counter\n"
        for c in who { out += "tollgate_llm_caller_cost_microdollars_total{\(labels(c))} \(callers[c]!.costMicros)\n" }
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

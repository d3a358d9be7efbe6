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
    private let byModel = Mutex<ByModel>(ByModel())

    /// Totals by model, and where the last model's totals sit: consecutive requests mostly
    /// name the same model, and a String compare costs less than hashing it (~350
    /// instructions a lookup). The index stays valid until a model is added.
    struct ByModel {
        var totals: [String: Totals] = [:]
        var lastModel: String?
        var lastIndex: Dictionary<String, Totals>.Index?
    }
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
                if m.count >= Self.maxModels * 4 && m[k] == nil { k = Caller(team: "other", key: "other") }
                m[k, default: Totals()].add(usage, costMicros)
            }
        }
        byModel.withLock { b in
            var key = model ?? "unknown"
            if let i = b.lastIndex, b.lastModel == key {
                b.totals.values[i].add(usage, costMicros)
                return
            }
            var i = b.totals.index(forKey: key)
            if i == nil {
                // A new model: past the cap it counts as "other".
                if b.totals.count >= Self.maxModels {
                    key = "other"
                    i = b.totals.index(forKey: key)
                }
                if i == nil {
                    b.totals[key] = Totals()
                    i = b.totals.index(forKey: key)
                }
            }
            guard let i else { return }
            b.totals.values[i].add(usage, costMicros)
            b.lastModel = key
            b.lastIndex = i
        }
    }

    func render() -> String {
        let callers = byCaller.withLock { $0 }
        let snapshot = byModel.withLock { $0.totals }
        var out = ""
        let models = snapshot.keys.sorted().map { (labels: "model=\(Self.label($0))", totals: snapshot[$0]!) }
        Self.renderFamilies(prefix: "tollgate_llm", by: "model", models, into: &out)
        out += "# HELP tollgate_llm_estimated_total Requests whose usage was estimated (no usage from the provider).\n# TYPE tollgate_llm_estimated_total counter\n"
        for m in models { out += "tollgate_llm_estimated_total{\(m.labels)} \(m.totals.estimated)\n" }
        let who = callers.keys.sorted().map { (labels: "team=\(Self.label($0.team)),key=\(Self.label($0.key))", totals: callers[$0]!) }
        if !who.isEmpty { Self.renderFamilies(prefix: "tollgate_llm_caller", by: "team and virtual key", who, into: &out) }
        return out
    }

    /// Requests, tokens by kind and cost for one labelling of the totals.
    static func renderFamilies(prefix: String, by: String, _ rows: [(labels: String, totals: Totals)], into out: inout String) {
        out += "# HELP \(prefix)_requests_total LLM requests accounted, by \(by).\n# TYPE \(prefix)_requests_total counter\n"
        for r in rows { out += "\(prefix)_requests_total{\(r.labels)} \(r.totals.requests)\n" }
        out += "# HELP \(prefix)_tokens_total Tokens by \(by) and kind (input includes cached).\n# TYPE \(prefix)_tokens_total counter\n"
        for r in rows {
            let t = r.totals
            for (kind, v) in [("input", t.input), ("output", t.output), ("cached_input", t.cachedInput), ("cache_write", t.cacheWrite), ("reasoning", t.reasoning)] {
                out += "\(prefix)_tokens_total{\(r.labels),kind=\"\(kind)\"} \(v)\n"
            }
        }
        out += "# HELP \(prefix)_cost_microdollars_total Cost by \(by) in micro-dollars.\n# TYPE \(prefix)_cost_microdollars_total counter\n"
        for r in rows { out += "\(prefix)_cost_microdollars_total{\(r.labels)} \(r.totals.costMicros)\n" }
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

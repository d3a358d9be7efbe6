/// The 429 bodies of a refusal, byte-exact, in each caller protocol. Pure functions.
///
/// - OpenAI: `{"error":{"message":…,"type":"rate_limit_error","param":null,"code":"budget_exceeded"|"rate_limit_exceeded","budget":{…}}}`.
///   The SDKs raise RateLimitError on status 429 and read `error.code`; the extra `budget`
///   object names the refusing budget for humans and scripts and is ignored by SDKs.
/// - Anthropic: `{"type":"error","error":{"type":"rate_limit_error","message":…}}`.
/// - JSON-RPC (MCP): `{"jsonrpc":"2.0","id":…,"error":{"code":-32029,"message":…,"data":{…}}}`.
///   -32029 lies in the implementation-defined server error range (-32000…-32099), chosen to
///   read as "429"; `data` carries the same budget object as the OpenAI body.
public enum BudgetRefusalBody {
    public static let jsonRPCCode = -32029

    /// A JSON-RPC request id, echoed as it came.
    public enum JSONRPCID: Sendable, Equatable {
        case number(Int64)
        case string(String)
        case null
    }

    /// "Budget 'tokens/day' (total_tokens per day, scope global) is exhausted: 120 of 100000 left,
    /// this request needs 4016. Resets in 3600s."
    public static func message(_ r: Refusal) -> String {
        let what = r.kind == .rateLimit ? "Rate limit" : "Budget"
        let per = r.window == .lifetime ? (r.unit == .concurrent ? "at once" : "in total") : "per \(r.window.name)"
        var m = "\(what) '\(r.budgetID)' (\(r.unit.displayName) \(per), scope \(r.scope)) "
        switch r.reason {
        case .insufficient:
            m += "\(r.kind == .rateLimit ? "reached" : "is exhausted"): \(r.remaining) of \(r.limit) left, this request needs \(r.needed)."
        case .belowMinimumGrant:
            m += "has too little left for a useful answer: \(r.remaining) of \(r.limit) left, below the minimum of \(r.needed)."
        case .exceedsLimit:
            m += "is smaller than this request alone: limit \(r.limit), this request needs \(r.needed)."
        }
        if r.reason != .exceedsLimit {
            if let s = r.retryAfterSeconds {
                m += r.kind == .rateLimit ? " Retry in \(s)s." : " Resets in \(s)s."
            } else if r.window == .lifetime && r.unit != .concurrent {
                m += " It does not reset."
            }
        }
        return m
    }

    public static func openAI(_ r: Refusal) -> [UInt8] {
        var j = JSONWriter()
        j.raw("{\"error\":{\"message\":")
        j.string(message(r))
        j.raw(",\"type\":\"rate_limit_error\",\"param\":null,\"code\":")
        j.string(r.kind.rawValue)
        j.raw(",\"budget\":")
        budgetObject(r, &j)
        j.raw("}}")
        return j.bytes
    }

    public static func anthropic(_ r: Refusal) -> [UInt8] {
        var j = JSONWriter()
        j.raw("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":")
        j.string(message(r))
        j.raw("}}")
        return j.bytes
    }

    public static func jsonRPC(_ r: Refusal, id: JSONRPCID) -> [UInt8] {
        var j = JSONWriter()
        j.raw("{\"jsonrpc\":\"2.0\",\"id\":")
        switch id {
        case .number(let n): j.raw(String(n))
        case .string(let s): j.string(s)
        case .null: j.raw("null")
        }
        j.raw(",\"error\":{\"code\":\(jsonRPCCode),\"message\":")
        j.string(message(r))
        j.raw(",\"data\":")
        budgetObject(r, &j)
        j.raw("}}")
        return j.bytes
    }

    static func budgetObject(_ r: Refusal, _ j: inout JSONWriter) {
        j.budgetHead(id: r.budgetID, scope: r.scope, unit: r.unit, window: r.window)
        j.raw(",\"kind\":")
        j.string(r.kind.rawValue)
        j.raw(",\"limit\":\(r.limit),\"remaining\":\(r.remaining),\"needed\":\(r.needed),\"retry_after_seconds\":")
        j.raw(r.retryAfterSeconds.map(String.init) ?? "null")
        j.raw("}")
    }
}

/// Minimal JSON text output: enough for error bodies, with full string escaping.
struct JSONWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// `{"id":…,"scope":…,"unit":…,"window":…`: how every budget object starts (refusals and
    /// the status listing), left open for the caller's fields.
    mutating func budgetHead(id: String, scope: String, unit: BudgetUnit, window: BudgetWindow) {
        raw("{\"id\":")
        string(id)
        raw(",\"scope\":")
        string(scope)
        raw(",\"unit\":")
        string(unit.displayName)
        raw(",\"window\":")
        string(window.name)
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                raw("\\u00")
                bytes.append(hex[Int(b >> 4)])
                bytes.append(hex[Int(b & 0xF)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

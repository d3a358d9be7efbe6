/// The OpenAI-style rate limit headers, so SDK retry logic and dashboards understand Tollgate:
///
///     x-ratelimit-limit-requests / -remaining-requests / -reset-requests
///     x-ratelimit-limit-tokens   / -remaining-tokens   / -reset-tokens
///
/// Each set describes the tightest budget of its kind that applied to the request (smallest
/// remaining share of its limit); token sets cover input, output and total token budgets. Reset
/// values use OpenAI's duration format ("1s", "6m0s", "20ms"). Refusals add Retry-After (seconds)
/// and retry-after-ms, which the OpenAI and Anthropic SDKs honour.
public enum RateLimitHeaders {
    public typealias Header = (name: String, value: String)

    /// One budget's figures, from a reservation entry, a refusal or a status.
    public struct Figures: Sendable, Equatable {
        public var unit: BudgetUnit
        public var limit: Int64
        public var remaining: Int64
        public var resetInNanos: Int64?

        public init(unit: BudgetUnit, limit: Int64, remaining: Int64, resetInNanos: Int64?) {
            self.unit = unit; self.limit = limit; self.remaining = remaining; self.resetInNanos = resetInNanos
        }
    }

    /// Headers for an admitted request.
    public static func admitted(_ r: Reservation) -> [Header] {
        headers(r.entries.map { Figures(unit: $0.cell.unit, limit: $0.limit, remaining: $0.remaining, resetInNanos: $0.resetIn) })
    }

    /// Headers for a refusal: the refusing budget's figures plus Retry-After when waiting helps.
    public static func refused(_ f: Refusal) -> [Header] {
        var out = headers([Figures(unit: f.unit, limit: f.limit, remaining: f.remaining, resetInNanos: f.resetInNanos)])
        if let s = f.retryAfterSeconds, let ns = f.retryAfterNanos {
            out.append(("retry-after", String(s)))
            out.append(("retry-after-ms", String(max(1, (ns + Nanos.perMillisecond - 1) / Nanos.perMillisecond))))
        }
        out.append(("x-tollgate-budget", f.budgetID))
        return out
    }

    /// The tightest requests budget and the tightest token budget among `figures`.
    public static func headers(_ figures: [Figures]) -> [Header] {
        var out: [Header] = []
        if let r = tightest(figures.filter { $0.unit == .requests }) { out += set("requests", r) }
        if let t = tightest(figures.filter { $0.unit.isTokens }) { out += set("tokens", t) }
        return out
    }

    static func tightest(_ fs: [Figures]) -> Figures? {
        // Compare remaining/limit by cross-multiplying (no division, no float).
        fs.min { a, b in
            Int128(max(0, a.remaining)) * Int128(max(1, b.limit)) < Int128(max(0, b.remaining)) * Int128(max(1, a.limit))
        }
    }

    static func set(_ kind: String, _ f: Figures) -> [Header] {
        var out: [Header] = [
            ("x-ratelimit-limit-\(kind)", String(f.limit)),
            ("x-ratelimit-remaining-\(kind)", String(max(0, f.remaining))),
        ]
        if let reset = f.resetInNanos { out.append(("x-ratelimit-reset-\(kind)", duration(reset))) }
        return out
    }

    /// OpenAI's reset format: Go-style durations such as "20ms", "1s", "1.5s", "6m0s", "2h3m4s".
    public static func duration(_ nanos: Int64) -> String {
        let ns = max(0, nanos)
        if ns < Nanos.perSecond {
            return "\((ns + Nanos.perMillisecond - 1) / Nanos.perMillisecond)ms"
        }
        // Tenths of a second, rounded up so the client never retries early.
        let tenths = (ns + Nanos.perSecond / 10 - 1) / (Nanos.perSecond / 10)
        let h = tenths / 36_000, m = (tenths / 600) % 60, s = (tenths / 10) % 60, t = tenths % 10
        let secs = t == 0 ? "\(s)s" : "\(s).\(t)s"
        if h > 0 { return "\(h)h\(m)m" + secs }
        if m > 0 { return "\(m)m" + secs }
        return secs
    }
}

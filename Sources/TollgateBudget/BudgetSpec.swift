/// The `--budget UNIT=LIMIT/WINDOW` flag: a hard budget over all traffic of the sidecar.
///
/// Examples: `total_tokens=100000/day`, `requests=600/minute`, `cost_usd=25/month`,
/// `concurrent=8` (concurrency takes no window). `cost_usd` is in dollars (up to six decimals)
/// and becomes micro-dollars. Limits accept `_` separators and k/m suffixes (`100k`, `1.5m`).
public enum BudgetSpec {
    public static let units = "requests, input_tokens, output_tokens, total_tokens, cost_usd, concurrent, tool_calls"
    public static let windows = "second, minute, hour, day, month, lifetime"

    /// Parses one flag value. `id` defaults to the spec text itself, e.g. `total_tokens/day`.
    public static func parse(_ text: String, id: String? = nil) throws(BudgetSpecError) -> BudgetDefinition {
        let trimmed = text.trimmingSpaces()
        guard let eq = trimmed.firstIndex(of: "=") else {
            throw BudgetSpecError(.missingEquals, text, "expected UNIT=LIMIT/WINDOW, e.g. total_tokens=100000/day")
        }
        let unitText = String(trimmed[..<eq])
        guard let unit = BudgetUnit(flagSpelling: unitText) else {
            throw BudgetSpecError(.unknownUnit, text, "unknown unit '\(unitText)'; expected one of: \(units)")
        }
        let rest = trimmed[trimmed.index(after: eq)...]
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw BudgetSpecError(.badWindow, text, "expected a single '/WINDOW' after the limit")
        }
        let window: BudgetWindow
        if parts.count == 2 {
            window = try parseWindow(String(parts[1]), text)
        } else if unit == .concurrent {
            window = .lifetime
        } else {
            throw BudgetSpecError(.missingWindow, text, "missing '/WINDOW'; expected one of: \(windows)")
        }
        let limit = try parseLimit(String(parts[0]), unit: unit, text)
        let defaultID = unit == .concurrent ? "concurrent" : "\(unitText)/\(window.name)"
        return BudgetDefinition(id: id ?? defaultID, unit: unit, window: window, limit: limit)
    }

    /// A budget from its parts as a configuration file writes them (`unit: total_tokens`,
    /// `limit: 100000`, `window: day`): the same spellings and checks as the flag.
    public static func definition(
        id: String, scope: BudgetScope, unit unitText: String, limit limitText: String, window windowText: String?,
        mode: BudgetMode, minimumGrant: Int64
    ) throws(BudgetSpecError) -> BudgetDefinition {
        let text = "\(unitText)=\(limitText)\(windowText.map { "/\($0)" } ?? "")"
        guard let unit = BudgetUnit(flagSpelling: unitText) else {
            throw BudgetSpecError(.unknownUnit, text, "unknown unit '\(unitText)'; expected one of: \(units)")
        }
        let window: BudgetWindow
        if let windowText {
            window = try parseWindow(windowText, text)
        } else if unit == .concurrent {
            window = .lifetime
        } else {
            throw BudgetSpecError(.missingWindow, text, "missing window; expected one of: \(windows)")
        }
        let limit = try parseLimit(limitText, unit: unit, text)
        return BudgetDefinition(id: id, scope: scope, unit: unit, window: window, limit: limit, mode: mode, minimumGrant: minimumGrant)
    }

    static func parseWindow(_ s: String, _ text: String) throws(BudgetSpecError) -> BudgetWindow {
        switch s {
        case "second", "sec", "s": return .perSecond
        case "minute", "min", "m": return .perMinute
        case "hour", "h": return .hour
        case "day", "d": return .day
        case "month", "mo": return .month
        case "lifetime", "total": return .lifetime
        default: throw BudgetSpecError(.badWindow, text, "unknown window '\(s)'; expected one of: \(windows)")
        }
    }

    /// Decimal parsing by hand: Double would round 0.1 dollars to a micro-dollar off.
    static func parseLimit(_ raw: String, unit: BudgetUnit, _ text: String) throws(BudgetSpecError) -> Int64 {
        var s = raw.replacingUnderscores()
        var multiplier: Int64 = 1
        if let last = s.last, unit != .costMicros {
            if last == "k" || last == "K" { multiplier = 1_000; s.removeLast() }
            if last == "m" || last == "M" { multiplier = 1_000_000; s.removeLast() }
        }
        let scale: Int64 = unit == .costMicros ? 1_000_000 : 1
        let totalScale = scale * multiplier
        let pieces = s.split(separator: ".", omittingEmptySubsequences: false)
        let what = unit == .costMicros ? "a dollar amount like 25 or 0.50" : "a positive whole number like 100000"
        guard !s.isEmpty, pieces.count <= 2, pieces.allSatisfy({ $0.allSatisfy(\.isASCIIDigitChar) }),
              !pieces[0].isEmpty || pieces.count == 2 else {
            throw BudgetSpecError(.badLimit, text, "limit '\(raw)' is not \(what)")
        }
        guard let whole = Int64(pieces[0].isEmpty ? "0" : String(pieces[0])) else {
            throw BudgetSpecError(.badLimit, text, "limit '\(raw)' is too large")
        }
        var fraction: Int64 = 0
        if pieces.count == 2 {
            let digits = pieces[1]
            // Digits beyond the scale would need rounding; refuse rather than guess.
            var place = totalScale
            for d in digits {
                guard place % 10 == 0 else {
                    throw BudgetSpecError(.badLimit, text, "limit '\(raw)' has more decimals than \(unit == .costMicros ? "micro-dollars allow" : "whole units allow")")
                }
                place /= 10
                fraction += Int64(d.asciiValue! - 48) * place
            }
        }
        let (product, overflow) = whole.multipliedReportingOverflow(by: totalScale)
        guard !overflow, product <= Int64.max - fraction else {
            throw BudgetSpecError(.badLimit, text, "limit '\(raw)' is too large")
        }
        let limit = product + fraction
        guard limit > 0 else { throw BudgetSpecError(.badLimit, text, "limit must be greater than zero") }
        return limit
    }
}

/// Why a `--budget` value was rejected; `message` says what was expected.
public struct BudgetSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case missingEquals = "missing_equals"
        case unknownUnit = "unknown_unit"
        case missingWindow = "missing_window"
        case badWindow = "bad_window"
        case badLimit = "bad_limit"
        case badScope = "bad_scope"
    }

    public var code: Code
    public var input: String
    public var message: String

    init(_ code: Code, _ input: String, _ message: String) {
        self.code = code; self.input = input; self.message = message
    }

    public var description: String { "invalid --budget '\(input)': \(message)" }
}

extension Character {
    var isASCIIDigitChar: Bool { asciiValue.map { $0 >= 48 && $0 <= 57 } ?? false }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}

import TollgateBudget
import TollgateSync

/// Cluster budgets as flags and admin API bodies spell them: `UNIT=LIMIT/WINDOW` (the sidecar's
/// `--budget` syntax) plus a partition policy. A cluster budget's scope names what it counts,
/// `all|UNIT|WINDOW`, so sidecars know which figure of a request to charge against it; its
/// window id is minted from the coordinator's wall clock (never from a sidecar's).
enum ClusterBudgetSpec {
    /// The scope for a budget over all traffic, e.g. `all|total_tokens|day`.
    static func scope(unit: BudgetUnit, window: BudgetWindow) -> String { "all|\(unit.rawValue)|\(window.name)" }

    /// The admin API's path id for a scope, e.g. `total_tokens/day`.
    static func pathID(ofScope scope: String) -> String? {
        guard let (unit, window) = parseScope(scope) else { return nil }
        return "\(unit.rawValue)/\(window.name)"
    }

    /// The scope named by an admin API path id (`UNIT/WINDOW`).
    static func scope(fromPathID id: Substring) -> String? {
        let parts = id.split(separator: "/")
        guard parts.count == 2, let unit = BudgetUnit(flagSpelling: String(parts[0])),
              let window = windowNamed(String(parts[1])) else { return nil }
        return scope(unit: unit, window: window)
    }

    /// What a scope counts, or nil for scopes this build cannot charge.
    static func parseScope(_ scope: String) -> (unit: BudgetUnit, window: BudgetWindow)? {
        let parts = scope.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "all", let unit = BudgetUnit(rawValue: String(parts[1])),
              let window = windowNamed(String(parts[2])) else { return nil }
        return (unit, window)
    }

    /// A window by its flag spelling (day, hour, ...), through the flag parser itself.
    static func windowNamed(_ s: String) -> BudgetWindow? {
        (try? BudgetSpec.parse("requests=1/" + s))?.window
    }

    /// The coordinator-minted window id: calendar windows count from 1 at the Unix epoch,
    /// lifetime budgets have the single window 1.
    static func windowID(_ window: BudgetWindow, at now: UTCNanos) -> UInt64 {
        UInt64(max(0, window.windowID(at: now))) + 1
    }

    /// Parses `UNIT=LIMIT/WINDOW` into a cluster budget for the window containing `now`.
    static func parse(_ text: String, policy: PartitionPolicy = .failClosed, reservePerNode: Int64 = 0,
                      now: UTCNanos) throws(ConfigError) -> ClusterBudget {
        let def: BudgetDefinition
        do { def = try BudgetSpec.parse(text) } catch { throw ConfigError("\(error)") }
        guard def.unit != .concurrent && def.unit != .toolCalls else {
            throw ConfigError("cluster budget '\(text)': \(def.unit.rawValue) cannot be shared across sidecars; use requests, input_tokens, output_tokens, total_tokens or cost_usd")
        }
        guard !def.window.isRate else {
            throw ConfigError("cluster budget '\(text)': rate windows (second, minute) stay local to a sidecar; cluster budgets take hour, day, month or lifetime")
        }
        guard reservePerNode >= 0, reservePerNode < def.limit else {
            throw ConfigError("cluster budget '\(text)': reserve_per_node must be between 0 and the limit")
        }
        return ClusterBudget(scope: scope(unit: def.unit, window: def.window), window: windowID(def.window, at: now),
                             limit: def.limit, policy: policy, reservePerNode: policy == .failOpenBounded ? reservePerNode : 0)
    }

    /// Policy spellings: fail_closed, fail_open_bounded, fail_open.
    static func policy(named s: String) -> PartitionPolicy? {
        switch s {
        case "fail_closed", "closed": .failClosed
        case "fail_open_bounded", "bounded": .failOpenBounded
        case "fail_open", "open": .failOpen
        default: nil
        }
    }

    static func name(_ p: PartitionPolicy) -> String {
        switch p {
        case .failClosed: "fail_closed"
        case .failOpenBounded: "fail_open_bounded"
        case .failOpen: "fail_open"
        }
    }
}

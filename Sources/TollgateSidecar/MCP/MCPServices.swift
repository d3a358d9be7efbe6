import Synchronization
import TollgateBudget
import TollgateJSON
import TollgateMCP
import TollgateTransport

/// MCP state every loop shares: settings, the merged tool catalog, aggregate sessions, the loop
/// guard, the tool-call limit counters (a budget engine of their own), the audit log and the
/// metrics. Each piece has its own lock; none is held across I/O.
final class MCPServices: Sendable {
    let settings: MCPSettings
    let metrics = MCPMetrics()
    let auditLog: UsageLog?
    /// Tool-call limits of every policy: rate limits (second/minute) and budgets (day/month/...).
    let limits: BudgetEngine
    /// Budget id per (policy name, limit index).
    private let limitIDs: [String: [String]]
    private let lists = Mutex<[String: [JSONValue]]>([:])
    private let catalogBox = Mutex<MCPToolCatalog>(MCPToolCatalog())
    private let sessions = Mutex<[String: MCPSession]>([:])
    private let sessionSerial = Atomic<UInt64>(0)
    private let loopGuard = Mutex<MCPLoopGuard>(MCPLoopGuard())
    /// Sessions kept at most (oldest dropped first); a client that loses one re-initializes.
    static let maxSessions = 10_000

    init(settings: MCPSettings, usageLog: UsageLog?) throws(ConfigError) {
        self.settings = settings
        if let p = settings.auditLogPath {
            auditLog = try UsageLog(path: p)
        } else {
            auditLog = nil
        }
        var defs: [BudgetDefinition] = []
        var ids: [String: [String]] = [:]
        for p in settings.allPolicies {
            var list: [String] = []
            for (i, l) in p.limits.enumerated() {
                let id = "mcp/\(p.name)/\(i)"
                do {
                    var d = try BudgetSpec.parse("tool_calls=\(l.calls)/\(l.window)", id: id)
                    d.scope = BudgetScope(tool: l.tools.text)
                    defs.append(d)
                } catch {
                    throw ConfigError("mcp policy '\(p.name)': \(error)")
                }
                list.append(id)
            }
            ids[p.name] = list
        }
        limitIDs = ids
        limits = BudgetEngine(defs, now: MonotonicClock.wallNanos())
    }

    // MARK: Catalog

    var catalog: MCPToolCatalog { catalogBox.withLock { $0 } }

    /// Records a server's latest tool list and rebuilds the merged catalog (configuration order,
    /// so names are stable).
    func update(server: String, tools: [JSONValue]) {
        let all = lists.withLock { l -> [String: [JSONValue]] in
            l[server] = tools
            return l
        }
        let merged = MCPToolCatalog(lists: settings.servers.compactMap { s in all[s.name].map { (s.name, $0) } })
        catalogBox.withLock { $0 = merged }
    }

    /// The server and original name behind an exposed aggregate tool name.
    func resolve(tool name: String) -> (server: String, tool: String)? {
        if let e = catalog.resolve(name) { return (e.server, e.tool) }
        return MCPToolNaming.split(name, servers: Set(settings.servers.map(\.name)))
    }

    // MARK: Sessions

    func newSession(owner: String, protocolVersion: String) -> MCPSession {
        var rng = SystemRandomNumberGenerator()
        var id = ""
        for _ in 0..<4 { id += String(rng.next() as UInt64, radix: 16).leftPadded(16) }
        var s = MCPSession(id: id, owner: owner, protocolVersion: protocolVersion)
        s.serial = sessionSerial.wrappingAdd(1, ordering: .relaxed).newValue
        sessions.withLock { t in
            if t.count >= Self.maxSessions, let oldest = t.values.min(by: { $0.serial < $1.serial }) { t[oldest.id] = nil }
            t[id] = s
        }
        return s
    }

    func save(_ s: MCPSession) { sessions.withLock { $0[s.id] = s } }

    func session(_ id: String, owner: String) -> MCPSession? {
        sessions.withLock { t in t[id].flatMap { $0.owner == owner ? $0 : nil } }
    }

    func removeSession(_ id: String, owner: String) -> MCPSession? {
        sessions.withLock { t in
            guard let s = t[id], s.owner == owner else { return nil }
            t[id] = nil
            return s
        }
    }

    // MARK: Limits

    /// Admits a call against the loop guard.
    func admitLoop(key: String, settings: MCPLoopGuardSettings) -> (admitted: Bool, seen: Int) {
        let now = MonotonicClock.now()
        return loopGuard.withLock { $0.admit(key: key, settings: settings, now: now) }
    }

    /// Reserves one tool call on every limit of `policy` that matches the tool.
    func reserveLimits(policy: MCPPolicy, server: String, tool: String) -> Admission? {
        let indices = policy.limitIndices(server: server, tool: tool)
        guard !indices.isEmpty, let ids = limitIDs[policy.name] else { return nil }
        let table = limits.table()
        let cells = indices.compactMap { table.cell(ids[$0]) }.sorted { $0.lockOrder < $1.lockOrder }
        return limits.reserve(cells, CostEstimate.fixed(requests: 1, toolCalls: 1), now: MonotonicClock.wallNanos())
    }
}

extension String {
    func leftPadded(_ n: Int) -> String {
        count >= n ? self : String(repeating: "0", count: n - count) + self
    }
}

import Synchronization
import TollgateBudget
import TollgateJSON
import TollgateMCP
import TollgateTransport

/// MCP state every loop shares: the installed configuration (replaced by a reload), the merged
/// tool catalog, aggregate sessions, the loop guard, the tool-call limit counters (a budget
/// engine of their own), the audit logs and the metrics. Each piece has its own lock; none is
/// held across I/O. What outlives a reload: sessions (minus their upstream sessions with servers
/// that were removed or now point elsewhere), limit counters of unchanged limits, the loop
/// guard's memory, catalog names of unchanged servers, metrics.
final class MCPServices: Sendable {
    let metrics = MCPMetrics()
    /// Tool-call limits of every policy: rate limits (second/minute) and budgets (day/month/...).
    let limits: BudgetEngine
    private let state: Mutex<MCPConfiguration>
    private let enabled: Atomic<Bool>
    /// Audit logs by path: one writer per file across reloads (a log is never closed while an
    /// exchange that started under it may still write).
    private let auditLogs = Mutex<[String: UsageLog]>([:])
    private let catalogBox = Mutex<MCPToolCatalog>(MCPToolCatalog())
    private let sessions = Mutex<[String: MCPSession]>([:])
    private let sessionSerial = Atomic<UInt64>(0)
    private let loopGuard = Mutex<MCPLoopGuard>(MCPLoopGuard())
    /// Aggregate tools/call requests in flight per session (session id, request id JSON) ->
    /// server, so a handshake-era `notifications/cancelled` reaches the server running the call.
    private let inFlight = Mutex<[String: String]>([:])
    static let maxInFlight = 10_000
    /// Sessions kept at most (oldest dropped first); a client that loses one re-initializes.
    static let maxSessions = 10_000

    init(settings: MCPSettings, usageLog: UsageLog?) throws(ConfigError) {
        let log = try settings.auditLogPath.map { (p) throws(ConfigError) in try UsageLog(path: p) }
        if let log, let p = settings.auditLogPath { auditLogs.withLock { $0[p] = log } }
        let c = try MCPConfiguration(settings: settings, auditLog: log)
        limits = BudgetEngine(c.limitDefinitions, now: MonotonicClock.wallNanos())
        state = Mutex(c)
        enabled = Atomic(settings.isEnabled)
    }

    /// The configuration an exchange starting now uses.
    var current: MCPConfiguration { state.withLock { $0 } }
    var auditLog: UsageLog? { current.auditLog }

    /// Writes out every audit log opened so far (at shutdown: a call that started before a
    /// reload changed the log's path still writes to its old one).
    func flushAuditLogs() {
        for log in auditLogs.withLock({ Array($0.values) }) { log.flush() }
    }
    /// Whether any server is configured (the MCP filter is installed only then).
    var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    // MARK: Reload

    /// Builds the configuration a reload would install, without touching the running one; any
    /// error (an audit log that cannot be opened, a limit the engine cannot express) is thrown.
    func prepare(_ settings: MCPSettings) throws(ConfigError) -> MCPConfiguration {
        var log: UsageLog?
        if let p = settings.auditLogPath {
            if let open = auditLogs.withLock({ $0[p] }) {
                log = open
            } else {
                let l = try UsageLog(path: p)
                auditLogs.withLock { $0[p] = l }
                log = l
            }
        }
        return try MCPConfiguration(settings: settings, auditLog: log)
    }

    /// The reloaded sidecar file's `mcp:` section (`fileSection`) made into a configuration the
    /// way the start made it (flags and `--mcp-config` applied).
    func prepareReload(fileSection: MCPSettings) throws(ConfigError) -> MCPConfiguration {
        try prepare(try current.settings.reloaded(fileSection: fileSection))
    }

    /// Installs `next`: new exchanges use it at once; exchanges in flight finish under theirs.
    /// Servers removed or pointed elsewhere lose their catalog names and their upstream sessions
    /// (a session re-opens them on its next tools/list); limits keep their counters when their
    /// policy, index, tool pattern and window are unchanged.
    func install(_ next: MCPConfiguration) {
        let old = state.withLock { s -> MCPConfiguration in
            let o = s
            s = next
            return o
        }
        enabled.store(next.settings.isEnabled, ordering: .relaxed)
        limits.install(next.limitDefinitions, now: MonotonicClock.wallNanos())
        var stale = Set<String>()
        for s in old.settings.servers {
            guard let n = next.settings.server(named: s.name[...]), n.sameUpstream(as: s) else {
                stale.insert(s.name)
                continue
            }
        }
        if !stale.isEmpty {
            catalogBox.withLock { $0.remove(servers: stale) }
            sessions.withLock { t in
                for id in t.keys {
                    for name in stale { t[id]?.upstream[name] = nil }
                }
            }
        }
        if old.auditLog !== next.auditLog { old.auditLog?.flush() }
        guard !old.settings.servers.isEmpty || !next.settings.servers.isEmpty else { return }
        let added = next.settings.servers.map(\.name).filter { n in !old.settings.servers.contains { $0.name == n } }
        Log.info("MCP configuration installed: \(next.settings.servers.count) server(s)\(added.isEmpty ? "" : ", added \(added.joined(separator: ", "))")\(stale.isEmpty ? "" : ", removed or changed \(stale.sorted().joined(separator: ", "))"), \(next.settings.policies.count) policy binding(s)")
    }

    // MARK: Catalog

    var catalog: MCPToolCatalog { catalogBox.withLock { $0 } }

    /// Merges one aggregate page (the servers' pages, in request order) into the catalog and
    /// returns the tools `include` admits, named, and the aggregate's continuation.
    func mergePage(_ fetched: [MCPToolPages.Fetched], include: (MCPToolCatalog.Entry) -> Bool) -> (tools: [JSONValue], next: MCPAggregateCursor?) {
        catalogBox.withLock { MCPToolPages.merge(fetched, catalog: &$0, include: include) }
    }

    /// The server and original name behind an exposed aggregate tool name, among `servers`.
    func resolve(tool name: String, servers: [MCPServerSettings]) -> (server: String, tool: String)? {
        if let e = catalog.resolve(name), servers.contains(where: { $0.name == e.server }) { return (e.server, e.tool) }
        return MCPToolNaming.split(name, servers: Set(servers.map(\.name)))
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

    /// Adds upstream sessions to a stored session (opened later than the session itself) and
    /// returns it as it now is; nil if it was deleted meanwhile.
    func addUpstream(_ entries: [String: (sessionID: String?, protocolVersion: String)], to id: String) -> MCPSession? {
        sessions.withLock { t in
            guard var s = t[id] else { return nil }
            for (name, e) in entries where s.upstream[name] == nil { s.upstream[name] = e }
            t[id] = s
            return s
        }
    }

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

    // MARK: Calls in flight (handshake-era cancellation)

    /// Records that `server` runs request `id` of `session`; returns the key to forget it by.
    func trackCall(session: String, id: JSONRPCID, server: String) -> String {
        let key = Self.callKey(session: session, id: id.json)
        inFlight.withLock { t in
            // Bounded: entries are removed when their exchange ends, so only a leak could fill it.
            if t.count >= Self.maxInFlight { t.removeAll() }
            t[key] = server
        }
        return key
    }

    func untrackCall(_ key: String) {
        _ = inFlight.withLock { $0.removeValue(forKey: key) }
    }

    /// The server running request `requestID` (as a `notifications/cancelled` names it) of `session`.
    func serverOfCall(session: String, requestID: JSONValue) -> String? {
        let key = Self.callKey(session: session, id: requestID)
        return inFlight.withLock { $0[key] }
    }

    private static func callKey(session: String, id: JSONValue) -> String {
        session + "\u{0}" + String(decoding: id.serialized(), as: UTF8.self)
    }

    // MARK: Limits

    /// Admits a call against the loop guard.
    func admitLoop(key: String, settings: MCPLoopGuardSettings) -> (admitted: Bool, seen: Int) {
        let now = MonotonicClock.now()
        return loopGuard.withLock { $0.admit(key: key, settings: settings, now: now) }
    }

    /// Reserves one tool call on every limit of `policy` (as configured in `config`) that
    /// matches the tool.
    func reserveLimits(_ config: MCPConfiguration, policy: MCPPolicy, server: String, tool: String) -> Admission? {
        let indices = policy.limitIndices(server: server, tool: tool)
        guard !indices.isEmpty, let ids = config.limitIDs[policy.name] else { return nil }
        let table = limits.table()
        let cells = indices.compactMap { i in i < ids.count ? table.cell(ids[i]) : nil }.sorted { $0.lockOrder < $1.lockOrder }
        return limits.reserve(cells, CostEstimate.fixed(requests: 1, toolCalls: 1), now: MonotonicClock.wallNanos())
    }
}

extension String {
    func leftPadded(_ n: Int) -> String {
        count >= n ? self : String(repeating: "0", count: n - count) + self
    }
}

import Foundation
import Testing
import TollgateBudget
import TollgateConfig
import TollgateJSON
import TollgateMCP
import TollgateTransport
@testable import TollgateSidecar

struct MCPServicesReloadTests {
    func settings(_ yaml: String) throws -> MCPSettings {
        let (root, _) = try ConfigSource.parse(bytes: Array(yaml.utf8), file: "t.yaml")
        let resolver = SecretResolver(environment: ["T1": "one", "T2": "two"], readFile: { (_: String) throws(SecretFileError) -> [UInt8] in throw SecretFileError(reason: "no files") })
        return try MCPSettings.decode(ConfigDecoder(root, secrets: resolver))
    }

    func tool(_ name: String) -> JSONValue { .object([("name", .string(name))]) }

    static let base = """
    servers:
      a: {url: 'http://127.0.0.1:9001/mcp', bearer_token: '${T1}'}
      b: {url: 'http://127.0.0.1:9002/mcp'}
    default_policy:
      limits: [{tools: 'a/*', calls: 2, per: day}]
    """

    /// Same address and credential: same upstream; a new port, path or token: another one.
    @Test func sameUpstream() throws {
        let s = try settings(Self.base)
        let a = s.servers[0]
        #expect(a.sameUpstream(as: a))
        var moved = a
        moved.target = try UpstreamTarget(parsing: "http://127.0.0.1:9003/mcp")
        #expect(!a.sameUpstream(as: moved))
        var rekeyed = a
        rekeyed.bearerToken = Secret("two")
        #expect(!a.sameUpstream(as: rekeyed))
        var slower = a
        slower.timeout = 5
        #expect(a.sameUpstream(as: slower))
    }

    /// A reload rebuilds settings as the start did: the `--mcp` flags and `--mcp-audit-log` stay
    /// on top of the reloaded section.
    @Test func reloadedKeepsFlags() throws {
        let start = try MCPSettings.load(base: try settings(Self.base), file: nil, servers: ["flagged=http://127.0.0.1:9100/mcp"], auditLog: "/tmp/a.jsonl")
        #expect(start.servers.map(\.name) == ["a", "b", "flagged"])
        let next = try start.reloaded(fileSection: try settings("servers:\n  c: {url: 'http://127.0.0.1:9004/mcp'}\n"))
        #expect(next.servers.map(\.name) == ["c", "flagged"])
        #expect(next.auditLogPath == "/tmp/a.jsonl")
        #expect(next.flagServers == ["flagged=http://127.0.0.1:9100/mcp"])
    }

    /// Installing a configuration: changed and removed servers lose their catalog names and their
    /// upstream sessions, unchanged ones keep both; limit counters of an unchanged limit carry over.
    @Test func installKeepsWhatDidNotChange() throws {
        let services = try MCPServices(settings: try settings(Self.base), usageLog: nil)
        services.mergePage([.init(server: "a", tools: [tool("x")], nextCursor: nil), .init(server: "b", tools: [tool("y")], nextCursor: nil)]) { _ in true }
        var s = services.newSession(owner: "", protocolVersion: "2025-11-25")
        s.upstream = ["a": ("sa", "2025-11-25"), "b": ("sb", "2025-11-25")]
        services.save(s)
        let config = services.current
        let policy = config.settings.defaultPolicy
        guard case .admitted(let r)? = services.reserveLimits(config, policy: policy, server: "a", tool: "x") else {
            Issue.record("limit did not admit")
            return
        }
        _ = services.limits.settle(r, actual: RequestCost(requests: 1, toolCalls: 1), now: MonotonicClock.wallNanos())

        let changed = Self.base.replacingOccurrences(of: "9002", with: "9005") + "\naudit_log: '-'\n"
        let next = try services.prepare(try settings(changed))
        #expect(services.current.settings.servers[1].target.port == 9002)  // prepared, not installed
        services.install(next)
        #expect(services.current.settings.servers[1].target.port == 9005)
        #expect(services.catalog.resolve("a_x") != nil && services.catalog.resolve("b_y") == nil)
        let after = services.session(s.id, owner: "")
        #expect(after?.upstream["a"]?.sessionID == "sa" && after?.upstream["b"] == nil)
        // One of two calls used before the reload: one left, then refused.
        let c = services.current
        #expect({ if case .admitted? = services.reserveLimits(c, policy: c.settings.defaultPolicy, server: "a", tool: "x") { true } else { false } }())
        #expect({ if case .refused? = services.reserveLimits(c, policy: c.settings.defaultPolicy, server: "a", tool: "x") { true } else { false } }())
        #expect(c.auditLog != nil)
        // Removing every server switches the filter off.
        services.install(try services.prepare(MCPSettings()))
        #expect(!services.isEnabled)
    }

    /// A limit the budget engine cannot express fails the preparation; the running one stays.
    @Test func badLimitLeavesRunningConfiguration() throws {
        let services = try MCPServices(settings: try settings(Self.base), usageLog: nil)
        var bad = try settings(Self.base)
        bad.defaultPolicy.limits = [MCPCallLimit(tools: GlobPattern("*"), calls: 1, window: "fortnight")]
        #expect(throws: ConfigError.self) { try services.prepare(bad) }
        #expect(services.current.settings.defaultPolicy.limits.first?.window == "day")
    }

    /// The cursor key depends on the servers only: equal settings (a restart, another replica)
    /// give the same key, a changed address or credential another; a cursor follows suit.
    @Test func cursorKeyFollowsServers() throws {
        let a = try MCPConfiguration(settings: try settings(Self.base), auditLog: nil)
        let same = try MCPConfiguration(settings: try settings(Self.base + "\npolicies: []\n"), auditLog: nil)
        let moved = try MCPConfiguration(settings: try settings(Self.base.replacingOccurrences(of: "9002", with: "9009")), auditLog: nil)
        let rekeyed = try MCPConfiguration(settings: try settings(Self.base.replacingOccurrences(of: "${T1}", with: "${T2}")), auditLog: nil)
        #expect(a.cursorKey == same.cursorKey)
        #expect(a.cursorKey != moved.cursorKey && a.cursorKey != rekeyed.cursorKey && moved.cursorKey != rekeyed.cursorKey)
        let cursor = MCPAggregateCursor(pending: [.init(server: "a", cursor: "p2")]).encode(key: a.cursorKey)
        #expect(try MCPAggregateCursor.decode(cursor, key: same.cursorKey).pending.first?.cursor == "p2")
        #expect(throws: JSONRPCReadError.self) { try MCPAggregateCursor.decode(cursor, key: rekeyed.cursorKey) }
    }
}

/// What one caller (an agent, a key or a team, or everyone by default) may do with MCP: which
/// servers it sees, which tools it may list and call, how large arguments may be, how often
/// tools may be called, and when a repeated call is a loop.
///
/// Tool patterns: one containing `/` matches `server/tool`; any other matches the tool's own
/// name on every server. Deny wins over allow; an absent allow list allows everything.
public struct MCPPolicy: Sendable {
    public var name: String
    /// nil: every configured server.
    public var servers: [GlobPattern]?
    public var denyServers: [GlobPattern]
    /// nil: every tool.
    public var allowTools: [GlobPattern]?
    public var denyTools: [GlobPattern]
    public var maxArgumentBytes: Int?
    public var limits: [MCPCallLimit]
    public var loopGuard: MCPLoopGuardSettings?

    public init(name: String, servers: [GlobPattern]? = nil, denyServers: [GlobPattern] = [],
                allowTools: [GlobPattern]? = nil, denyTools: [GlobPattern] = [], maxArgumentBytes: Int? = nil,
                limits: [MCPCallLimit] = [], loopGuard: MCPLoopGuardSettings? = nil) {
        self.name = name
        self.servers = servers
        self.denyServers = denyServers
        self.allowTools = allowTools
        self.denyTools = denyTools
        self.maxArgumentBytes = maxArgumentBytes
        self.limits = limits
        self.loopGuard = loopGuard
    }

    /// Everything allowed, nothing limited: the passthrough default.
    public static let open = MCPPolicy(name: "default")

    public func mayUse(server: String) -> Bool {
        if denyServers.contains(where: { $0.matches(server) }) { return false }
        return servers.map { $0.contains { $0.matches(server) } } ?? true
    }

    static func toolMatches(_ p: GlobPattern, server: String, tool: String) -> Bool {
        p.text.contains("/") ? p.matches(server + "/" + tool) : p.matches(tool)
    }

    /// Whether the tool may be listed and called (its server included).
    public func mayCall(server: String, tool: String) -> Bool {
        guard mayUse(server: server) else { return false }
        if denyTools.contains(where: { Self.toolMatches($0, server: server, tool: tool) }) { return false }
        return allowTools.map { $0.contains { Self.toolMatches($0, server: server, tool: tool) } } ?? true
    }

    /// The static checks of a tools/call (server, tool, argument size); limits and the loop
    /// guard are counted by their own components.
    public func check(server: String, tool: String, argumentBytes: Int) -> MCPRefusal? {
        guard mayUse(server: server) else {
            return MCPRefusal(.serverNotAllowed, policy: name, server: server, tool: tool,
                              message: "policy '\(name)' does not allow MCP server '\(server)'")
        }
        guard mayCall(server: server, tool: tool) else {
            return MCPRefusal(.toolNotAllowed, policy: name, server: server, tool: tool,
                              message: "policy '\(name)' does not allow tool '\(tool)' on server '\(server)'")
        }
        if let max = maxArgumentBytes, argumentBytes > max {
            return MCPRefusal(.argumentsTooLarge, policy: name, server: server, tool: tool,
                              message: "arguments of '\(tool)' are \(argumentBytes) bytes; policy '\(name)' allows \(max)")
        }
        return nil
    }

    /// Indices of the limits that count a call of `tool` on `server`.
    public func limitIndices(server: String, tool: String) -> [Int] {
        limits.indices.filter { Self.toolMatches(limits[$0].tools, server: server, tool: tool) }
    }
}

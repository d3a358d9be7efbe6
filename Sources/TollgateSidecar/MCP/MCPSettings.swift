import TollgateBudget
import TollgateConfig
import TollgateMCP

/// One upstream MCP server: where it is, the credential Tollgate presents to it (the agent never
/// sees it, and the agent's own token is never forwarded), and how long a call may take.
struct MCPServerSettings: Sendable {
    var name: String
    var target: UpstreamTarget
    /// Sent as `Authorization: Bearer ...` on every request to this server.
    var bearerToken: Secret?
    /// Extra request headers (API keys...), set on every request; values are secrets.
    var headers: [(name: String, value: Secret)] = []
    /// Whole-exchange timeout in seconds (a tool call, or a GET stream).
    var timeout: Double

    /// Whether the server has a credential of Tollgate's (then whatever the client sent is dropped).
    var hasCredential: Bool {
        bearerToken != nil || headers.contains { $0.name.asciiCaseInsensitiveEquals("authorization") }
    }
}

/// A policy and who it applies to. The first binding that matches the caller's agent, key id or
/// team wins; a binding with no selectors matches nobody (use `default_policy`).
struct MCPPolicyBinding: Sendable {
    var policy: MCPPolicy
    var agents: [String] = []
    var keys: [String] = []
    var teams: [String] = []
}

/// The `mcp:` section and the `--mcp*` flags.
struct MCPSettings: Sendable {
    var servers: [MCPServerSettings] = []
    var policies: [MCPPolicyBinding] = []
    /// For callers no binding matches, anonymous (passthrough) callers included.
    var defaultPolicy: MCPPolicy = .open
    /// JSON lines, one per tools/call; "-" for stdout.
    var auditLogPath: String?
    /// Default whole-exchange timeout for MCP requests: long, since a tool may work for minutes
    /// and a GET or subscriptions/listen stream stays open as long as the client wants.
    var timeout: Double = 3600

    static let defaultTimeout: Double = 3600

    /// Where these settings came from beyond the sidecar file, so a reload can rebuild them the
    /// same way: `--mcp-config FILE` (read again), `--mcp` flags and `--mcp-audit-log`.
    var configFile: String?
    var flagServers: [String] = []
    var flagAuditLog: String?

    var isEnabled: Bool { !servers.isEmpty }

    func server(named name: Substring) -> MCPServerSettings? {
        servers.first { $0.name.utf8.elementsEqual(name.utf8) }
    }

    func policy(for identity: RequestIdentity?) -> MCPPolicy {
        guard let identity else { return defaultPolicy }
        for b in policies {
            if let a = identity.agent, b.agents.contains(a) { return b.policy }
            if b.keys.contains(identity.keyID) { return b.policy }
            if let t = identity.team, b.teams.contains(t) { return b.policy }
        }
        return defaultPolicy
    }

    /// Every policy, for building the limit counters.
    var allPolicies: [MCPPolicy] { [defaultPolicy] + policies.map(\.policy) }

    /// `--mcp NAME=URL`.
    mutating func addServer(flag: String) throws(ConfigError) {
        guard let eq = flag.firstIndex(of: "=") else { throw ConfigError("--mcp expects NAME=URL, got '\(flag)'") }
        let name = String(flag[..<eq])
        guard MCPToolNaming.isValidServerName(name) else {
            throw ConfigError("--mcp: server name '\(name)' must be 1-32 letters, digits or '-' (no '_': it separates server and tool in prefixed names)")
        }
        guard !servers.contains(where: { $0.name == name }) else { throw ConfigError("--mcp: server '\(name)' is defined twice") }
        let target = try UpstreamTarget(parsing: String(flag[flag.index(after: eq)...]))
        servers.append(MCPServerSettings(name: name, target: target, timeout: timeout))
    }

    // MARK: Decoding

    static let keys = ["servers", "policies", "default_policy", "audit_log", "timeout"]

    /// `knownServers`: servers defined elsewhere (`--mcp` flags) that policies may name.
    static func decode(_ d: ConfigDecoder, knownServers: [String] = []) throws(ConfigDecodeError) -> MCPSettings {
        var s = MCPSettings()
        let m = try d.mapping(allowedKeys: keys)
        if let t = try m.optional("timeout")?.duration() { s.timeout = seconds(t) }
        s.auditLogPath = try m.optional("audit_log")?.interpolatedString()
        if let servers = m.optional("servers") {
            for (name, keyLocation, value) in try servers.mapping().entries {
                guard MCPToolNaming.isValidServerName(name) else {
                    throw ConfigDecodeError(.invalidValue, at: keyLocation, path: value.path,
                                            "server name '\(name)' must be 1-32 letters, digits or '-' (no '_': it separates server and tool in prefixed names)")
                }
                s.servers.append(try decodeServer(name: name, value, defaultTimeout: s.timeout))
            }
        }
        if let p = m.optional("default_policy") { s.defaultPolicy = try decodePolicy(p, name: "default").policy }
        if let list = m.optional("policies") {
            s.policies = try list.list { (p: ConfigDecoder) throws(ConfigDecodeError) in try decodePolicy(p, name: nil) }
        }
        for b in s.allPolicies {
            for pattern in (b.servers ?? []) + b.denyServers where !pattern.text.contains("*") && !pattern.text.contains("?") {
                guard s.servers.contains(where: { $0.name == pattern.text }) || knownServers.contains(pattern.text) else {
                    throw d.error(.invalidValue, "policy '\(b.name)' names MCP server '\(pattern.text)', which is not configured")
                }
            }
        }
        return s
    }

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        let s = Double(c.seconds) + Double(c.attoseconds) / 1e18
        // 0 means no limit: a day is long enough for any call and still bounds a leak.
        return s <= 0 ? 86_400 * 365 : s
    }

    static func decodeServer(name: String, _ d: ConfigDecoder, defaultTimeout: Double) throws(ConfigDecodeError) -> MCPServerSettings {
        let m = try d.mapping(allowedKeys: ["url", "bearer_token", "headers", "timeout", "ca_file", "http2"])
        let urlNode = try m.required("url")
        let url = try urlNode.interpolatedString()
        var target: UpstreamTarget
        do {
            target = try UpstreamTarget(parsing: url)
        } catch {
            throw urlNode.error(.invalidValue, error.message)
        }
        target.caFile = try m.optional("ca_file")?.interpolatedString()
        target.priorKnowledgeH2 = try (m.optional("http2")?.bool() ?? false) && !target.isTLS
        var server = MCPServerSettings(name: name, target: target, timeout: defaultTimeout)
        server.bearerToken = try m.optional("bearer_token")?.secret()
        if let h = m.optional("headers") {
            for (header, _, value) in try h.mapping().entries {
                server.headers.append((header.lowercased(), try value.secret()))
            }
        }
        if let t = try m.optional("timeout")?.duration() { server.timeout = seconds(t) }
        return server
    }

    static let policyKeys = ["name", "agents", "keys", "teams", "servers", "deny_servers", "tools", "max_argument_bytes", "limits", "loop_guard"]

    static func decodePolicy(_ d: ConfigDecoder, name fixedName: String?) throws(ConfigDecodeError) -> MCPPolicyBinding {
        let m = try d.mapping(allowedKeys: fixedName == nil ? policyKeys : policyKeys.filter { !["name", "agents", "keys", "teams"].contains($0) })
        func strings(_ key: String) throws(ConfigDecodeError) -> [String]? {
            try m.optional(key)?.list { (e: ConfigDecoder) throws(ConfigDecodeError) in try e.string() }
        }
        func patterns(_ key: String) throws(ConfigDecodeError) -> [GlobPattern]? {
            try strings(key)?.map(GlobPattern.init)
        }
        let name: String
        if let fixedName { name = fixedName } else { name = try m.required("name").string() }
        var p = MCPPolicy(name: name)
        p.servers = try patterns("servers")
        p.denyServers = try patterns("deny_servers") ?? []
        if let tools = m.optional("tools") {
            let t = try tools.mapping(allowedKeys: ["allow", "deny"])
            func list(_ key: String) throws(ConfigDecodeError) -> [GlobPattern]? {
                try t.optional(key)?.list { (e: ConfigDecoder) throws(ConfigDecodeError) in GlobPattern(try e.string()) }
            }
            p.allowTools = try list("allow")
            p.denyTools = try list("deny") ?? []
        }
        p.maxArgumentBytes = try m.optional("max_argument_bytes")?.byteSize(range: 0...(1 << 30))
        if let limits = m.optional("limits") {
            p.limits = try limits.list { (l: ConfigDecoder) throws(ConfigDecodeError) in
                let lm = try l.mapping(allowedKeys: ["tools", "calls", "per"])
                let per = try lm.required("per")
                let limit = MCPCallLimit(tools: GlobPattern(try lm.optional("tools")?.string() ?? "*"),
                                         calls: Int64(try lm.required("calls").int(range: 0...Int(Int32.max))),
                                         window: try per.string())
                do {
                    _ = try BudgetSpec.parse("tool_calls=\(limit.calls)/\(limit.window)")
                } catch {
                    throw per.error(.invalidValue, "\(error)")
                }
                return limit
            }
        }
        if let lg = m.optional("loop_guard") {
            let g = try lg.mapping(allowedKeys: ["max_repeats", "window"])
            let window = try g.optional("window")?.duration(range: .milliseconds(1)...Duration.seconds(86_400 * 7)) ?? .seconds(60)
            p.loopGuard = MCPLoopGuardSettings(maxRepeats: try g.required("max_repeats").int(range: 1...1_000_000),
                                               windowNanos: UInt64(seconds(window) * 1e9))
        }
        var binding = MCPPolicyBinding(policy: p)
        if fixedName == nil {
            binding.agents = try strings("agents") ?? []
            binding.keys = try strings("keys") ?? []
            binding.teams = try strings("teams") ?? []
        }
        return binding
    }
}

extension MCPSettings {
    /// The settings of the sidecar file's `mcp:` section (`base`), replaced by `--mcp-config FILE`
    /// (the section as a file of its own) when given, then the `--mcp` and `--mcp-audit-log`
    /// flags on top.
    static func load(base: MCPSettings = MCPSettings(), file: String?, servers: [String], auditLog: String?) throws(ConfigError) -> MCPSettings {
        var s = base
        if let file {
            do {
                let (root, _) = try ConfigSource.load(path: file)
                s = try MCPSettings.decode(ConfigDecoder(root, secrets: .system()),
                                           knownServers: servers.map { String($0.prefix { $0 != "=" }) })
            } catch let e as ConfigParseError {
                throw ConfigError("\(e)")
            } catch let e as ConfigDecodeError {
                throw ConfigError("\(e)")
            } catch {
                throw ConfigError("\(file): \(error)")
            }
        }
        for flag in servers { try s.addServer(flag: flag) }
        if let auditLog { s.auditLogPath = auditLog }
        s.configFile = file
        s.flagServers = servers
        s.flagAuditLog = auditLog
        return s
    }

    /// What a reload installs: the reloaded sidecar file's `mcp:` section (`fileSection`), or
    /// `--mcp-config FILE` read again, with the start's flags on top, as at start.
    func reloaded(fileSection: MCPSettings) throws(ConfigError) -> MCPSettings {
        try MCPSettings.load(base: fileSection, file: configFile, servers: flagServers, auditLog: flagAuditLog)
    }
}

extension MCPServerSettings {
    /// Whether requests to `other` reach the same server as the same client: same address,
    /// TLS settings and credentials. Upstream sessions made with one are not valid with the other.
    func sameUpstream(as other: MCPServerSettings) -> Bool {
        target == other.target && bearerToken == other.bearerToken
            && headers.map(\.name) == other.headers.map(\.name) && headers.map(\.value) == other.headers.map(\.value)
    }
}

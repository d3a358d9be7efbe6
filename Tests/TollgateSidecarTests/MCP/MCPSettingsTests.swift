import Glibc
import Testing
import TollgateConfig
import TollgateMCP
@testable import TollgateSidecar

struct MCPSettingsTests {
    func decode(_ yaml: String, env: [String: String] = [:]) throws -> MCPSettings {
        let (root, _) = try ConfigSource.parse(bytes: Array(yaml.utf8), file: "t.yaml")
        let resolver = SecretResolver(environment: env, readFile: { (_: String) throws(SecretFileError) -> [UInt8] in throw SecretFileError(reason: "no files") })
        return try MCPSettings.decode(ConfigDecoder(root, secrets: resolver))
    }

    static let full = """
    audit_log: /tmp/mcp.jsonl
    timeout: 2h
    servers:
      docs:
        url: http://127.0.0.1:9001/mcp
        bearer_token: ${DOCS_TOKEN}
        headers:
          X-Api-Key: ${DOCS_KEY}
      tickets: {url: https://tickets.example/mcp, timeout: 30s, ca_file: /etc/ca.pem}
    default_policy:
      servers: [docs]
    policies:
      - name: planner
        agents: [planner]
        teams: [search]
        servers: [docs, tickets]
        tools: {allow: ['search*', 'tickets/*'], deny: ['*_delete']}
        max_argument_bytes: 64KiB
        limits:
          - {tools: tickets/create, calls: 10, per: minute}
          - {calls: 1000, per: day}
        loop_guard: {max_repeats: 3, window: 90s}
    """

    /// Every documented key decodes, secrets resolved and kept redacted.
    @Test func decodesTheFullSection() throws {
        let s = try decode(Self.full, env: ["DOCS_TOKEN": "tok", "DOCS_KEY": "key"])
        #expect(s.auditLogPath == "/tmp/mcp.jsonl")
        #expect(s.timeout == 7200)
        #expect(s.servers.map(\.name) == ["docs", "tickets"])
        let docs = s.servers[0]
        #expect(docs.target.basePath == "/mcp" && docs.target.port == 9001)
        #expect(docs.bearerToken?.reveal() == "tok")
        #expect(docs.headers.first?.name == "x-api-key" && docs.headers.first?.value.reveal() == "key")
        #expect("\(docs.bearerToken!)" == "<secret>")
        #expect(docs.timeout == 7200 && s.servers[1].timeout == 30)
        #expect(docs.hasCredential && !s.servers[1].hasCredential)
        #expect(s.servers[1].target.caFile == "/etc/ca.pem" && docs.target.caFile == nil)
        let p = s.policies[0]
        #expect(p.policy.name == "planner" && p.agents == ["planner"] && p.teams == ["search"])
        #expect(p.policy.maxArgumentBytes == 65536)
        #expect(p.policy.limits.count == 2 && p.policy.limits[1].tools.text == "*" && p.policy.limits[0].window == "minute")
        #expect(p.policy.loopGuard == MCPLoopGuardSettings(maxRepeats: 3, windowNanos: 90_000_000_000))
        #expect(p.policy.mayCall(server: "tickets", tool: "create") && !p.policy.mayCall(server: "docs", tool: "write"))
        #expect(!s.defaultPolicy.mayUse(server: "tickets"))
    }

    /// Callers get the first matching policy by agent, key or team, else the default.
    @Test func policyForIdentity() throws {
        let s = try decode(Self.full, env: ["DOCS_TOKEN": "t", "DOCS_KEY": "k"])
        #expect(s.policy(for: RequestIdentity(keyID: "k1", agent: "planner")).name == "planner")
        #expect(s.policy(for: RequestIdentity(keyID: "k2", team: "search")).name == "planner")
        #expect(s.policy(for: RequestIdentity(keyID: "k3", agent: "other")).name == "default")
        #expect(s.policy(for: nil).name == "default")
    }

    /// Mistakes are located errors: bad server names, unknown servers in policies, bad windows, typos.
    @Test func refusesMistakes() {
        func message(_ yaml: String) -> String? {
            do { _ = try decode(yaml); return nil } catch { return "\(error)" }
        }
        #expect(message("servers: {my_docs: {url: http://a/mcp}}")?.contains("no '_'") == true)
        #expect(message("servers: {docs: {url: ftp://a/mcp}}")?.contains("http://") == true)
        #expect(message("servers: {docs: {url: http://a/mcp}}\ndefault_policy: {servers: [nope]}")?.contains("'nope'") == true)
        #expect(message("default_policy: {limits: [{calls: 1, per: fortnight}]}")?.contains("fortnight") == true)
        #expect(message("servers: {docs: {url: http://a/mcp, timout: 1s}}")?.contains("did you mean 'timeout'") == true)
        #expect(message("policies: [{agents: [a]}]")?.contains("'name'") == true)
        #expect(message("servers: {docs: {url: http://a/mcp, bearer_token: ${UNSET}}}") != nil)
    }

    /// --mcp NAME=URL adds servers; names and URLs are checked.
    @Test func flags() throws {
        let o = try SidecarCommand.parse(["--mcp", "docs=http://127.0.0.1:9001/mcp", "--mcp", "tickets=http://127.0.0.1:9002/mcp",
                                          "--mcp-audit-log", "-"])
        #expect(o.mcp.servers.map(\.name) == ["docs", "tickets"])
        #expect(o.mcp.servers[1].target.port == 9002)
        #expect(o.mcp.auditLogPath == "-")
        #expect(o.mcp.servers[0].timeout == MCPSettings.defaultTimeout)
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--mcp", "docs"]) }
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--mcp", "a_b=http://x/mcp"]) }
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--mcp", "a=http://x/mcp", "--mcp", "a=http://y/mcp"]) }
    }

    /// Paths pick the aggregate, a server, or an unknown server; other paths are not MCP.
    @Test func endpoints() throws {
        let s = try SidecarCommand.parse(["--mcp", "docs=http://127.0.0.1:9001/mcp"]).mcp
        if case .aggregate = MCPEndpoint(path: "/mcp", settings: s)! {} else { Issue.record("aggregate") }
        if case .aggregate = MCPEndpoint(path: "/mcp?x=1", settings: s)! {} else { Issue.record("aggregate query") }
        if case .server(let d) = MCPEndpoint(path: "/mcp/docs", settings: s)! { #expect(d.name == "docs") } else { Issue.record("server") }
        if case .unknownServer(let n) = MCPEndpoint(path: "/mcp/nope", settings: s)! { #expect(n == "nope") } else { Issue.record("unknown") }
        #expect(MCPEndpoint(path: "/mcpx", settings: s) == nil)
        #expect(MCPEndpoint(path: "/v1/chat/completions", settings: s) == nil)
        #expect(MCPEndpoint.query(of: "/mcp/docs?a=b") == "?a=b")
    }

    /// The agent's credential is dropped when Tollgate has one for the server or knows the caller.
    @Test func credentialHeaders() throws {
        var s = try SidecarCommand.parse(["--mcp", "docs=http://127.0.0.1:9001/mcp"]).mcp.servers[0]
        let open = MCPRouting.credentialHeaders(server: s, callerIdentified: false)
        #expect(open.remove.isEmpty && open.set.isEmpty)
        #expect(MCPRouting.credentialHeaders(server: s, callerIdentified: true).remove.contains("authorization"))
        s.bearerToken = Secret("srv")
        let withCred = MCPRouting.credentialHeaders(server: s, callerIdentified: false)
        #expect(withCred.remove.contains("authorization"))
        #expect(withCred.set.first! == ("authorization", "Bearer srv"))
        #expect(MCPRouting.path(s, query: "?q") == "/mcp?q")
    }
}

struct MCPConfigFileTests {
    /// The sidecar file's `mcp:` section is decoded into the options; `--mcp` flags add servers.
    @Test func sidecarFileSection() throws {
        let path = "/tmp/tollgate-mcp-settings-test-\(getpid()).yaml"
        let yaml = "mcp:\n  servers:\n    docs: {url: http://127.0.0.1:9001/mcp}\n  default_policy: {servers: [docs]}\n"
        let f = fopen(path, "w")!
        fputs(yaml, f)
        fclose(f)
        defer { unlink(path) }
        let o = try SidecarCommand.parse(["--config", path, "--mcp", "tickets=http://127.0.0.1:9002/mcp"])
        #expect(o.mcp.servers.map(\.name) == ["docs", "tickets"])
        #expect(!o.mcp.defaultPolicy.mayUse(server: "tickets"))
    }
}

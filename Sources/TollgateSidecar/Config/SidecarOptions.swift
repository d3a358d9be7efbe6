import TollgateBudget
import TollgateTransport

/// Everything `tollgate sidecar` takes from its flags. Defaults are safe for production.
public struct SidecarOptions: Sendable {
    public var listen: SocketAddress = try! SocketAddress(parsing: "127.0.0.1:8787")
    public var admin: SocketAddress? = try! SocketAddress(parsing: "127.0.0.1:9901")
    public var upstream: UpstreamTarget? = nil
    /// Speak HTTP/2 with prior knowledge to an http:// upstream (https:// negotiates by ALPN).
    public var upstreamH2 = false
    public var upstreamCAFile: String? = nil
    public var threads: Int = max(1, SidecarOptions.cpuCount())
    public var tlsCertFile: String? = nil
    public var tlsKeyFile: String? = nil

    // Limits.
    public var maxHeaderBytes = 32 * 1024
    public var maxHeaderCount = 100
    public var maxRequestLineBytes = 8 * 1024
    public var maxBodyBytes: Int64 = 32 * 1024 * 1024

    // Timeouts, in seconds.
    public var idleTimeout: Double = 60
    public var headerTimeout: Double = 10
    /// Longest wait for the next bytes of a request body (the client stalled: 408), as nginx's
    /// client_body_timeout; not counted while the proxy itself holds the body back.
    public var bodyTimeout: Double = 60
    public var connectTimeout: Double = 5
    /// Whole upstream exchange, first byte sent to last byte received. Long: LLM streams run minutes.
    public var upstreamTimeout: Double = 600
    public var drainTimeout: Double = 30
    /// Idle upstream keep-alive connections are closed after this (shorter than typical server
    /// keep-alive timeouts, so a reused connection is rarely one the server is closing).
    public var upstreamIdleTimeout: Double = 4

    public var logLevel: LogLevel = .info
    /// JSON-lines usage records: a file path, or "-" for stdout. nil: none written.
    public var usageLogPath: String? = nil
    /// Hard budgets over all of this sidecar's traffic, from `--budget UNIT=LIMIT/WINDOW`.
    public var budgets: [BudgetDefinition] = []
    /// The egress forward proxy (`--egress*` flags, `egress:` section).
    public var egress = EgressSettings()
    /// The usage log is rotated to PATH.1 beyond this size.
    public var usageLogMaxBytes = 64 << 20
    /// `--config FILE`: the gateway policy (providers, models, keys, budgets), reloadable.
    public var configPath: String? = nil
    /// Seconds between checks of the config file for changes (a ConfigMap update); 0 = SIGHUP only.
    public var configPollInterval: Double = 2
    /// Directory of the budget write-ahead log (`--data-dir`); nil: budgets live in memory only.
    public var dataDir: String? = nil
    /// WAL group-commit window in seconds: how long a batch gathers before one fdatasync.
    public var walSyncInterval: Double = 0.002
    /// Bearer token for the admin API's POST routes; nil: they answer 403. Never logged.
    public var adminToken: String? = nil
    /// MCP servers and per-caller tool policy (`--mcp NAME=URL`, `--mcp-config FILE`, `mcp:`).
    var mcp = MCPSettings()
    /// Cluster budgets: the coordinator set, node identity and gossip (`--coordinator` ...).
    public var cluster = ClusterOptions()

    public init() {}

    static func cpuCount() -> Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

import Glibc

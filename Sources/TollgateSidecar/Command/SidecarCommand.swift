import Glibc
import TollgateBudget
import TollgateConfig
import TollgateTransport

/// `tollgate sidecar`: parses flags, starts the data plane, and drains on SIGTERM/SIGINT.
public enum SidecarCommand {
    public static let usage = """
    Usage: tollgate sidecar [options]

    Forwards OpenAI-, Anthropic- and MCP-style traffic to an upstream, over HTTP/1.1, HTTP/2
    (cleartext prior knowledge, or TLS with ALPN) and TLS.

    Configuration:
      --config FILE              YAML (or JSON) file: providers, models, virtual keys, budgets,
                                 routing (docs/configuration.md); flags given beside it override
                                 its server, limits and timeouts settings. Reloaded on SIGHUP
                                 and when the file changes.
      --config-poll S            how often to check the file for changes [2; 0 = SIGHUP only]

    Listening:
      --listen ADDR              data-plane address (default 127.0.0.1:8787)
      --admin ADDR|off           admin address for /healthz /readyz /metrics (default 127.0.0.1:9901)
      --threads N                event-loop threads (default: number of cores)
      --tls-cert FILE            serve TLS on --listen with this PEM certificate chain
      --tls-key FILE             ... and this PEM private key

    Upstream:
      --upstream URL             http:// or https:// base URL to forward to
      --upstream-h2              speak HTTP/2 (prior knowledge) to an http:// upstream
      --upstream-ca FILE         extra CA bundle for verifying an https:// upstream
                                 (verification is always on)

    Limits (defaults in brackets):
      --max-header-bytes N       request head size [32768]
      --max-header-count N       header fields per request [100]
      --max-request-line N       request line length [8192]
      --max-body-bytes N         request body size [33554432]

    Timeouts (seconds; 500ms and 2m forms accepted):
      --idle-timeout S           keep-alive idle connection [60]
      --header-timeout S         receiving a request head [10]
      --body-timeout S           between reads of a request body [60]
      --connect-timeout S        connecting to the upstream [5]
      --upstream-timeout S       whole upstream exchange [600]
      --upstream-idle-timeout S  idle pooled upstream connection [4]
      --drain-timeout S          finishing in-flight requests on SIGTERM [30]

    Budgets:
      --budget UNIT=LIMIT/WINDOW hard budget over all traffic (repeatable); units: requests,
                                 input_tokens, output_tokens, total_tokens, cost_usd, concurrent;
                                 windows: second, minute, hour, day, month, lifetime
                                 (e.g. --budget total_tokens=100000/day --budget requests=600/minute)
      --data-dir DIR             keep budget usage in a write-ahead log in DIR (survives restarts
                                 and kill -9; a request is forwarded once its reservation is on disk)
      --wal-sync-interval S      group-commit window before each fdatasync [2ms]; 0 = sync at once
      --admin-token TOKEN        bearer token for POST /budgets/{id}/reset|adjust on the admin port
      --admin-token-file FILE    ... read from FILE (surrounding whitespace ignored)

    \(ClusterOptions.usage)

    Accounting:
      --usage-log PATH           one JSON line per LLM request (tokens, cost, latency); "-" = stdout;
                                 rotated to PATH.1 at 64 MiB

    MCP (see docs/mcp.md):
      --mcp NAME=URL             an MCP server (repeatable): the aggregate of all of them is served
                                 at /mcp (tools named NAME_TOOL), each server at /mcp/NAME
      --mcp-config FILE          the `mcp:` section (servers, credentials, per-agent policies) as
                                 its own YAML file
      --mcp-audit-log PATH       one JSON line per tools/call; "-" = stdout
    \(EgressSettings.usage)

    Other:
      --log-level LEVEL          debug, info, warn, error [info]
      -h, --help                 this help
    """

    public static func parse(_ args: [String]) throws(ConfigError) -> SidecarOptions {
        var o = SidecarOptions()
        // The file first, so that flags override what it sets.
        if let i = args.lastIndex(where: { $0 == "--config" || $0.hasPrefix("--config=") }) {
            let path: String
            if args[i].hasPrefix("--config=") {
                path = String(args[i].dropFirst("--config=".count))
            } else {
                guard i + 1 < args.count else { throw ConfigError("--config needs a value") }
                path = args[i + 1]
            }
            o = try SidecarConfigFile.load(path: path).options
            o.configPath = path
        }
        var r = ArgumentReader(args)
        var mcpFlags: [String] = [], mcpConfig: String?, mcpAudit: String?
        while !r.isAtEnd {
            let f = try r.nextFlag()
            switch f.name {
            case "--config": o.configPath = try r.value(for: f)
            case "--config-poll": o.configPollInterval = try r.seconds(for: f, allowZero: true)
            case "--listen":
                do { o.listen = try SocketAddress(parsing: try r.value(for: f)) } catch let e as SocketAddressError { throw ConfigError("--listen: \(e)") } catch { throw error as! ConfigError }
            case "--admin":
                let v = try r.value(for: f)
                if v == "off" || v == "none" { o.admin = nil } else {
                    do { o.admin = try SocketAddress(parsing: v) } catch { throw ConfigError("--admin: \(error)") }
                }
            case "--threads": o.threads = try r.int(for: f, min: 1, max: 256)
            case "--tls-cert": o.tlsCertFile = try r.value(for: f)
            case "--tls-key": o.tlsKeyFile = try r.value(for: f)
            case "--upstream": o.upstream = try UpstreamTarget(parsing: try r.value(for: f))
            case "--upstream-h2": o.upstreamH2 = true
            case "--upstream-ca": o.upstreamCAFile = try r.value(for: f)
            case "--max-header-bytes": o.maxHeaderBytes = try r.int(for: f, min: 1024, max: 1 << 24)
            case "--max-header-count": o.maxHeaderCount = try r.int(for: f, min: 1, max: 10_000)
            case "--max-request-line": o.maxRequestLineBytes = try r.int(for: f, min: 256, max: 1 << 20)
            case "--max-body-bytes": o.maxBodyBytes = Int64(try r.int(for: f, min: 0))
            case "--idle-timeout": o.idleTimeout = try r.seconds(for: f)
            case "--header-timeout": o.headerTimeout = try r.seconds(for: f)
            case "--body-timeout": o.bodyTimeout = try r.seconds(for: f)
            case "--connect-timeout": o.connectTimeout = try r.seconds(for: f)
            case "--upstream-timeout": o.upstreamTimeout = try r.seconds(for: f)
            case "--upstream-idle-timeout": o.upstreamIdleTimeout = try r.seconds(for: f)
            case "--drain-timeout": o.drainTimeout = try r.seconds(for: f)
            case "--usage-log": o.usageLogPath = try r.value(for: f)
            case "--budget":
                let v = try r.value(for: f)
                do {
                    o.budgets.append(try BudgetSpec.parse(v, id: "flag-\(o.budgets.count + 1)"))
                } catch {
                    throw ConfigError("\(error)")
                }
            case "--mcp": try mcpFlags.append(r.value(for: f))
            case "--mcp-config": mcpConfig = try r.value(for: f)
            case "--mcp-audit-log": mcpAudit = try r.value(for: f)
            case "--data-dir":
                let v = try r.value(for: f)
                guard !v.isEmpty else { throw ConfigError("--data-dir needs a directory") }
                o.dataDir = v
            case "--wal-sync-interval":
                o.walSyncInterval = try SidecarCommand.walSyncInterval(try r.value(for: f))
            case "--admin-token":
                o.adminToken = try SidecarCommand.adminToken(try r.value(for: f), from: "--admin-token")
            case "--admin-token-file":
                let path = try r.value(for: f)
                let bytes: [UInt8]
                do { bytes = try SecretResolver.readFromDisk(path) } catch { throw ConfigError("--admin-token-file: \(error.reason)") }
                o.adminToken = try SidecarCommand.adminToken(String(decoding: bytes, as: UTF8.self), from: "--admin-token-file \(path)")
            case "--log-level":
                let v = try r.value(for: f)
                guard let l = LogLevel(name: v) else { throw ConfigError("--log-level expects debug, info, warn or error, got '\(v)'") }
                o.logLevel = l
            case _ where ClusterOptions.flags.contains(f.name):
                try o.cluster.parse(f, &r)
            default:
                if try o.egress.apply(flag: f, &r) { continue }
                throw ConfigError("unknown option \(f.name) (see tollgate sidecar --help)")
            }
        }
        o.mcp = try MCPSettings.load(base: o.mcp, file: mcpConfig, servers: mcpFlags, auditLog: mcpAudit)
        if o.maxRequestLineBytes > o.maxHeaderBytes { o.maxRequestLineBytes = o.maxHeaderBytes }
        try o.egress.validate()
        return o
    }

    /// Runs until SIGTERM or SIGINT, then drains and returns the exit status.
    public static func run(_ options: SidecarOptions) -> Int32 {
        Log.level = options.logLevel
        Socket.ignoreSIGPIPE()
        let signals = SignalWaiter([SIGTERM, SIGINT, SIGHUP])
        let server = SidecarServer(options: options)
        do {
            try server.start()
        } catch {
            Log.error("cannot start: \(error)")
            return 1
        }
        Log.info("tollgate \(TollgateVersion.string) sidecar listening on \(server.boundAddress.map { "\($0)" } ?? "?")\(options.tlsCertFile != nil ? " (TLS)" : "") with \(options.threads) loop(s); admin on \(server.boundAdminAddress.map { "\($0)" } ?? "off"); upstream \(options.upstream?.description ?? "none")\(EgressSettings.startupNote(options.egress, bound: server.boundEgressAddress))")
        let sig = signals.waitForStop(configPath: options.configPath, pollInterval: options.configPollInterval) { server.reload() }
        Log.info("\(sig == SIGTERM ? "SIGTERM" : "SIGINT"): draining (up to \(options.drainTimeout)s)")
        let clean = server.drain(timeout: options.drainTimeout)
        Log.info(clean ? "drained; exiting" : "drain timed out; exiting")
        return 0
    }
}

import Glibc
import TollgateHTTP
import TollgateSync
import TollgateTransport

/// `tollgate coordinator`: the cluster budget authority (leases, usage, budget definitions).
public enum CoordinatorCommand {
    public static let usage = """
    Usage: tollgate coordinator [options]

    Grants escrow leases on cluster budgets to sidecars (`tollgate sidecar --coordinator ADDR`),
    merges their usage reports, and serves the budget definitions and an admin API. It keeps no
    disk state: after a restart it learns the ledger back from sidecars for one lease expiry
    period (about 4.5 s) before granting again.

      --listen ADDR              sync and admin address (default 127.0.0.1:7400)
      --admin ADDR               serve the admin API on a separate address too
      --peers LIST|NAME:PORT     the coordinator set: comma-separated addresses, or a DNS name
                                 resolving to all of them (a Kubernetes headless Service);
                                 default: this coordinator alone
      --advertise ADDR           this coordinator's address as listed in --peers
                                 (default: --listen)
      --budget UNIT=LIMIT/WINDOW a cluster budget (repeatable); windows: hour, day, month,
                                 lifetime; append :fail_open_bounded or :fail_open to change
                                 the partition policy (default fail_closed)
      --config FILE              YAML/JSON file with a `budgets:` list, entries as in the
                                 sidecar file ({unit, limit, window, policy}); scope must be
                                 global (cluster budgets cover all traffic); `peers:` (as
                                 --peers, which wins) and `sync_tls:`. Re-read on SIGHUP and
                                 when it changes: a changed `peers:` changes the coordinator set
      --config-poll S            how often to check the file for changes [2; 0 = SIGHUP only]
      --admin-token TOKEN        bearer token required for budget writes (PUT, DELETE)
      --sync-secret-file FILE    shared HMAC secret for sync frames (first line of FILE)
      --sync-secret S            ... given inline (tests)
      --sync-tls-cert FILE       serve sync over TLS (ALPN h2, then http/1.1) with this PEM
      --sync-tls-key FILE        certificate chain and key (default: h2c and HTTP/1.1 in clear)
      --sync-tls-client-ca FILE  mutual TLS: require sidecars' client certificates issued by
                                 this CA; a peer without one fails the handshake
      --log-level LEVEL          debug, info, warn, error [info]

    Admin API: GET /v1/budgets, PUT /v1/budgets {"budget":"total_tokens=1m/day","policy":"fail_closed"},
    DELETE /v1/budgets/UNIT/WINDOW, GET /v1/cluster, /metrics, /healthz, /readyz. With sync TLS
    the admin API on --listen needs TLS too (and a client certificate under mutual TLS); give
    --admin ADDR for a plaintext admin port (probes, Prometheus).
    """

    public static func parse(_ args: [String]) throws(ConfigError) -> CoordinatorOptions {
        var o = CoordinatorOptions()
        var r = ArgumentReader(args)
        var secretFile: String?
        var secret: String?
        var fileTLS = SyncTLSSettings()
        var flagTLS = SyncTLSSettings()
        var filePeers: ConfiguredPeers?
        while !r.isAtEnd {
            let f = try r.nextFlag()
            switch f.name {
            case "--listen": o.listen = try address(try r.value(for: f), f.name)
            case "--admin": o.admin = try address(try r.value(for: f), f.name)
            case "--peers", "--coordinators":
                o.peers = try r.value(for: f).split(separator: ",").map { String(String($0).trimmingASCIIWhitespace()) }.filter { !$0.isEmpty }
                o.peersFromFlag = true
            case "--advertise": o.advertise = try r.value(for: f)
            case "--budget":
                let v = try r.value(for: f)
                var spec = Substring(v)
                var policy = PartitionPolicy.failClosed
                if let colon = v.lastIndex(of: ":") {
                    guard let p = ClusterBudgetSpec.policy(named: String(v[v.index(after: colon)...])) else {
                        throw ConfigError("--budget '\(v)': unknown partition policy after ':' (fail_closed, fail_open_bounded, fail_open)")
                    }
                    policy = p
                    spec = v[..<colon]
                }
                _ = try ClusterBudgetSpec.parse(String(spec), policy: policy, now: 0)
                o.budgets.append((String(spec), policy))
            case "--admin-token": o.adminToken = try r.value(for: f)
            case "--config":
                let path = try r.value(for: f)
                let file = try CoordinatorConfigFile.load(path: path)
                o.configPath = path
                o.budgets += file.budgets
                if let t = file.syncTLS { fileTLS = t }
                filePeers = file.peers
            case "--config-poll": o.configPollInterval = try r.seconds(for: f, allowZero: true)
            case "--sync-tls-cert": flagTLS.certificateFile = try r.value(for: f)
            case "--sync-tls-key": flagTLS.keyFile = try r.value(for: f)
            case "--sync-tls-client-ca": flagTLS.clientCAFile = try r.value(for: f)
            case "--sync-secret-file": secretFile = try r.value(for: f)
            case "--sync-secret": secret = try r.value(for: f)
            case "--clock-skew":
                let v = try r.value(for: f)
                guard let d = Double(v), abs(d) < 86_400 else { throw ConfigError("--clock-skew expects seconds, got '\(v)'") }
                o.clockSkewSeconds = d
            case "--no-learning": o.skipLearning = true
            case "--log-level":
                let v = try r.value(for: f)
                guard let l = LogLevel(name: v) else { throw ConfigError("--log-level expects debug, info, warn or error, got '\(v)'") }
                o.logLevel = l
            default:
                throw ConfigError("unknown option \(f.name) (see tollgate coordinator --help)")
            }
        }
        if !o.peersFromFlag, let p = filePeers { o.peers = p.entries }
        o.syncSecret = try SyncSecret.load(file: secretFile, literal: secret)
        // Flags win over the file, field by field.
        o.syncTLS = fileTLS
        if let v = flagTLS.certificateFile { o.syncTLS.certificateFile = v }
        if let v = flagTLS.keyFile { o.syncTLS.keyFile = v }
        if let v = flagTLS.clientCAFile { o.syncTLS.clientCAFile = v }
        if let p = o.syncTLS.coordinatorProblem() { throw ConfigError(p) }
        return o
    }

    static func address(_ v: String, _ flag: String) throws(ConfigError) -> SocketAddress {
        do { return try SocketAddress(parsing: v) } catch { throw ConfigError("\(flag): \(error)") }
    }

    /// Runs until SIGTERM or SIGINT; SIGHUP (or a changed --config file) reloads the file.
    public static func run(_ options: CoordinatorOptions) -> Int32 {
        Log.level = options.logLevel
        Socket.ignoreSIGPIPE()
        let signals = SignalWaiter([SIGTERM, SIGINT, SIGHUP])
        let server = CoordinatorServer(options: options)
        do {
            try server.start()
        } catch {
            Log.error("cannot start coordinator: \(error)")
            return 1
        }
        _ = signals.waitForStop(configPath: options.configPath, pollInterval: options.configPollInterval) { server.reloadConfig() }
        Log.info("coordinator stopping")
        server.stop()
        return 0
    }
}

import TollgateTransport

/// The sidecar's cluster flags (`--coordinator` and friends); nil coordinators: no cluster sync.
public struct ClusterOptions: Sendable {
    /// Coordinator addresses or DNS names as given.
    public var coordinators: [String] = []
    public var nodeID: String? = nil
    /// Node id, epoch and ledger files; from `--data-dir` / `server.data_dir`.
    public var dataDir: String? = nil
    public var syncSecretFile: String? = nil
    public var syncSecret: String? = nil
    public var gossipListen: SocketAddress? = nil
    /// The gossip address peers should send to, when it differs from --gossip-listen (NAT, relays).
    public var gossipAdvertise: String? = nil
    /// Gossip seed addresses (peers' --gossip-listen).
    public var gossipSeeds: [String] = []
    /// Longest an admission waits for a lease before it is refused (cold start, end-game).
    public var admissionWait: Double = 3
    /// TLS to the coordinators (`--coordinator-ca`, `--sync-tls-cert/--sync-tls-key`); none: h2c.
    public var syncTLS = SyncTLSSettings()
    /// Added to this node's clock readings (chaos tests).
    public var clockSkewSeconds: Double = 0
    /// `coordinators:` as the file wrote them, with their places (errors on reload name them).
    var configuredCoordinators: ConfiguredPeers?
    /// --coordinator was given on the command line: it wins over the file's list, on reload too.
    var coordinatorsFromFlag = false

    public init() {}

    public var isEnabled: Bool { !coordinators.isEmpty }

    static let flags: Set<String> = ["--coordinator", "--node-id", "--sync-secret-file", "--sync-secret",
                                     "--gossip-listen", "--gossip-seeds", "--gossip-advertise", "--cluster-wait", "--clock-skew",
                                     "--coordinator-ca", "--sync-tls-cert", "--sync-tls-key"]

    static let usage = """
    Cluster budgets (defined at a coordinator, shared by every sidecar):
      --coordinator ADDR[,ADDR]  coordinator set (addresses, or a DNS name:port resolving to all)
      --node-id ID               stable node id (default: $TOLLGATE_NODE_ID, else generated and
                                 kept in --data-dir, with the epoch bumped on every start)
      --sync-secret-file FILE    shared HMAC secret for sync frames (first line of FILE)
      --gossip-listen ADDR       UDP address for gossip with peer sidecars (SWIM); lease
                                 custody needs it when there are several sidecars
      --gossip-seeds A,B         peers' gossip addresses to join through
      --gossip-advertise ADDR    the gossip address peers should use (default --gossip-listen)
      --cluster-wait S           longest an admission waits for a lease [3]
      --coordinator-ca FILE      talk to the coordinators over TLS (h2), verifying them
                                 against this CA and the name/IP in --coordinator
                                 (default: h2c with prior knowledge)
      --sync-tls-cert FILE       client certificate and key for coordinators that require
      --sync-tls-key FILE        mutual TLS (implies TLS; without --coordinator-ca the system
                                 trust store verifies the coordinator)
    """

    mutating func parse(_ f: (name: String, inline: String?), _ r: inout ArgumentReader) throws(ConfigError) {
        switch f.name {
        case "--coordinator":
            coordinators = try r.value(for: f).split(separator: ",").map(String.init).filter { !$0.isEmpty }
            coordinatorsFromFlag = true
        case "--node-id": nodeID = try r.value(for: f)
        case "--sync-secret-file": syncSecretFile = try r.value(for: f)
        case "--sync-secret": syncSecret = try r.value(for: f)
        case "--gossip-listen":
            do { gossipListen = try SocketAddress(parsing: try r.value(for: f)) } catch let e as SocketAddressError { throw ConfigError("--gossip-listen: \(e)") } catch { throw error as! ConfigError }
        case "--gossip-advertise": gossipAdvertise = try r.value(for: f)
        case "--gossip-seeds": gossipSeeds = try r.value(for: f).split(separator: ",").map(String.init).filter { !$0.isEmpty }
        case "--cluster-wait": admissionWait = try r.seconds(for: f)
        case "--coordinator-ca": syncTLS.coordinatorCAFile = try r.value(for: f)
        case "--sync-tls-cert": syncTLS.certificateFile = try r.value(for: f)
        case "--sync-tls-key": syncTLS.keyFile = try r.value(for: f)
        case "--clock-skew":
            let v = try r.value(for: f)
            guard let d = Double(v), abs(d) < 86_400 else { throw ConfigError("--clock-skew expects seconds, got '\(v)'") }
            clockSkewSeconds = d
        default: throw ConfigError("unknown option \(f.name)")
        }
    }
}

import TollgateSync
import TollgateTransport

/// Everything `tollgate coordinator` takes from its flags.
public struct CoordinatorOptions: Sendable {
    public var listen: SocketAddress = try! SocketAddress(parsing: "127.0.0.1:7400")
    /// A separate admin address; nil: the admin API is served on `listen` too.
    public var admin: SocketAddress? = nil
    /// The coordinator set as given: addresses, or DNS names resolving to several.
    public var peers: [String] = []
    /// This coordinator's id in the set (defaults to the listen address).
    public var advertise: String? = nil
    /// `UNIT=LIMIT/WINDOW` specs with their policy.
    public var budgets: [(spec: String, policy: PartitionPolicy)] = []
    public var adminToken: String? = nil
    public var syncSecret: [UInt8]? = nil
    /// TLS (and mutual TLS) on the sync listener; none: h2c.
    public var syncTLS = SyncTLSSettings()
    public var logLevel: LogLevel = .info
    /// Added to the wall clock (chaos tests: a coordinator whose clock is off).
    public var clockSkewSeconds: Double = 0
    /// Skip learning mode at start (a brand-new cluster; tests). Production always learns.
    public var skipLearning = false
    /// `--config FILE`: re-read on SIGHUP and when its contents change (`peers:` takes effect).
    public var configPath: String? = nil
    /// How often the file is checked for changes, in seconds (0: SIGHUP only).
    public var configPollInterval: Double = 2
    /// --peers was given on the command line: it wins over the file's `peers:`, at start and on reload.
    public var peersFromFlag = false

    public init() {}
}

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

    public init() {}
}

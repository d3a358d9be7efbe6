import TollgateConfig
import TollgateSync

/// The coordinator's file (`tollgate coordinator --config FILE`, the chart's ConfigMap): a
/// `budgets:` list in the sidecar file's spelling, `sync_tls:` for the sync listener, and
/// `peers:` (the coordinator set, as --peers). Cluster budgets cover all traffic, so a scope
/// other than global is an error; `policy` picks the partition policy.
struct CoordinatorConfigFile {
    var budgets: [(spec: String, policy: PartitionPolicy)] = []
    var syncTLS: SyncTLSSettings?
    /// nil: the file has no `peers:` key.
    var peers: ConfiguredPeers?
    var contentHash = ""

    static func load(path: String) throws(ConfigError) -> CoordinatorConfigFile {
        let root: ConfigNode
        let hash: String
        do { (root, hash) = try ConfigSource.load(path: path) } catch { throw ConfigError(error.description) }
        do {
            var file = try decodeFile(ConfigDecoder(root, secrets: .system()))
            file.contentHash = hash
            return file
        } catch {
            throw ConfigError(error.description)
        }
    }

    static let keys = ["budgets", "sync_tls", "peers"]

    static func decodeFile(_ d: ConfigDecoder) throws(ConfigDecodeError) -> CoordinatorConfigFile {
        var file = CoordinatorConfigFile()
        file.budgets = try decode(d)
        file.syncTLS = try decodeSyncTLS(d)
        file.peers = try decodePeers(d)
        return file
    }

    /// `peers:` (HOST:PORT entries, addresses or DNS names), nil when absent.
    static func decodePeers(_ d: ConfigDecoder) throws(ConfigDecodeError) -> ConfiguredPeers? {
        let m = try d.mapping(allowedKeys: keys)
        return try m.optional("peers").map { (p) throws(ConfigDecodeError) in try ConfiguredPeers.decode(p) }
    }

    /// `sync_tls:` (cert, key, client_ca), nil when absent.
    static func decodeSyncTLS(_ d: ConfigDecoder) throws(ConfigDecodeError) -> SyncTLSSettings? {
        let m = try d.mapping(allowedKeys: keys)
        return try m.optional("sync_tls").map { (t) throws(ConfigDecodeError) in try SyncTLSSettings.decode(t, side: .coordinator) }
    }

    static func decode(_ d: ConfigDecoder) throws(ConfigDecodeError) -> [(spec: String, policy: PartitionPolicy)] {
        let m = try d.mapping(allowedKeys: keys)
        guard let list = m.optional("budgets") else { return [] }
        return try list.list { (e) throws(ConfigDecodeError) -> (spec: String, policy: PartitionPolicy) in
            let b = try e.mapping(allowedKeys: ["id", "scope", "unit", "limit", "window", "mode", "policy"])
            if let s = b.optional("scope"), try s.string() != "global" {
                throw s.error(.invalidValue, "coordinator budgets are cluster-wide: scope must be global")
            }
            if let mode = b.optional("mode"), try mode.string() != "hard" {
                throw mode.error(.invalidValue, "cluster budgets are hard budgets; their partition policy says how they fail")
            }
            let unit = try b.required("unit").string()
            let limit = try b.required("limit").string()
            let spec = "\(unit)=\(limit)" + (try b.optional("window").map { (w) throws(ConfigDecodeError) in "/\(try w.string())" } ?? "")
            var policy = PartitionPolicy.failClosed
            if let p = b.optional("policy") {
                let name = try p.choice(["fail_closed", "fail_open_bounded", "fail_open"])
                policy = ClusterBudgetSpec.policy(named: name) ?? .failClosed
            }
            do { _ = try ClusterBudgetSpec.parse(spec, policy: policy, now: 0) } catch {
                throw e.error(.invalidValue, "\(error)")
            }
            return (spec, policy)
        }
    }
}

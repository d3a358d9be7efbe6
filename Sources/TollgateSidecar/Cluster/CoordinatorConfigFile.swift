import TollgateConfig
import TollgateSync

/// The coordinator's file (`tollgate coordinator --config FILE`, the chart's ConfigMap): a
/// `budgets:` list in the sidecar file's spelling, and `sync_tls:` for the sync listener.
/// Cluster budgets cover all traffic, so a scope other than global is an error; `policy` picks
/// the partition policy.
enum CoordinatorConfigFile {
    static func load(path: String) throws(ConfigError) -> (budgets: [(spec: String, policy: PartitionPolicy)], syncTLS: SyncTLSSettings?) {
        let root: ConfigNode
        do { root = try ConfigSource.load(path: path).root } catch { throw ConfigError(error.description) }
        do {
            let d = ConfigDecoder(root, secrets: .system())
            return (try decode(d), try decodeSyncTLS(d))
        } catch {
            throw ConfigError(error.description)
        }
    }

    static let keys = ["budgets", "sync_tls"]

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

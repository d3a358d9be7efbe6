import TollgateTransport

/// The coordinator set as node ids: `ip:port` strings, from addresses or DNS names that resolve
/// to several addresses (a Kubernetes headless Service). Sidecars and coordinators resolve the
/// same names, so they agree on ids and on rendezvous ownership.
enum CoordinatorSet {
    static func resolve(_ entries: [String]) throws(ConfigError) -> [String] {
        var out: [String] = []
        for e in entries {
            guard let colon = e.lastIndex(of: ":"), let port = UInt16(e[e.index(after: colon)...]) else {
                throw ConfigError("coordinator '\(e)' must be HOST:PORT")
            }
            var host = String(e[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            let addrs: [SocketAddress]
            do { addrs = try Socket.resolve(host: host, port: port) } catch { throw ConfigError("coordinator '\(e)': \(error.message)") }
            for a in addrs where !out.contains(a.description) { out.append(a.description) }
        }
        return out.sorted()
    }
}

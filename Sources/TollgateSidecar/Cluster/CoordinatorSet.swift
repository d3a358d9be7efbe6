import TollgateTransport

/// The coordinator set as node ids: `ip:port` strings, from addresses or DNS names that resolve
/// to several addresses (a Kubernetes headless Service). Sidecars and coordinators resolve the
/// same names, so they agree on ids and on rendezvous ownership.
enum CoordinatorSet {
    /// Name resolution (getaddrinfo by default; tests pass a table).
    typealias Lookup = @Sendable (_ host: String, _ port: UInt16) throws(TransportError) -> [SocketAddress]

    static let systemLookup: Lookup = { (host, port) throws(TransportError) in try Socket.resolve(host: host, port: port) }

    static func resolve(_ entries: [String], lookup: Lookup = systemLookup) throws(ConfigError) -> [String] {
        try resolveNamed(entries, lookup: lookup).map(\.id)
    }

    /// Ids with the host name each came from: the name a coordinator's TLS certificate is
    /// verified against (the Service name, not the pod address it resolved to).
    static func resolveNamed(_ entries: [String], lookup: Lookup = systemLookup) throws(ConfigError) -> [(id: String, name: String)] {
        var out: [(id: String, name: String)] = []
        for e in entries {
            guard let colon = e.lastIndex(of: ":"), let port = UInt16(e[e.index(after: colon)...]) else {
                throw ConfigError("coordinator '\(e)' must be HOST:PORT")
            }
            var host = String(e[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            let addrs: [SocketAddress]
            do { addrs = try lookup(host, port) } catch { throw ConfigError("coordinator '\(e)': \(error.message)") }
            for a in addrs where !out.contains(where: { $0.id == a.description }) { out.append((a.description, host)) }
        }
        return out.sorted { $0.id < $1.id }
    }
}

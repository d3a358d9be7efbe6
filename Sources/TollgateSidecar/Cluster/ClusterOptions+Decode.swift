import TollgateConfig
import TollgateTransport

extension ClusterOptions {
    /// The `cluster:` section of the sidecar file (flags add to it):
    ///
    ///     cluster:
    ///       coordinators: [tollgate-coordinator.tollgate.svc:7400]   # or ID=ADDR entries
    ///       node_id: ${POD_UID}            # default: $TOLLGATE_NODE_ID, else kept in server.data_dir
    ///       sync_secret: file:/etc/tollgate/sync-secret
    ///       gossip_listen: 0.0.0.0:7946
    ///       gossip_advertise: ${POD_IP}:7946
    ///       gossip_seeds: [tollgate-gossip.tollgate.svc:7946]
    ///       admission_wait: 3s
    ///       sync_tls:                      # default: h2c
    ///         coordinator_ca: /etc/tollgate/sync-tls/ca.crt
    ///         cert: /etc/tollgate/sync-tls/tls.crt   # client certificate (mutual TLS)
    ///         key: /etc/tollgate/sync-tls/tls.key
    public static func decode(_ d: ConfigDecoder) throws(ConfigDecodeError) -> ClusterOptions {
        var o = ClusterOptions()
        let m = try d.mapping(allowedKeys: ["coordinators", "node_id", "sync_secret", "gossip_listen", "gossip_advertise",
                                            "gossip_seeds", "admission_wait", "sync_tls"])
        if let v = m.optional("coordinators") {
            let peers = try ConfiguredPeers.decode(v)
            guard !peers.entries.isEmpty else { throw v.error(.invalidValue, "coordinators must list at least one HOST:PORT") }
            o.coordinators = peers.entries
            o.configuredCoordinators = peers
        }
        if let v = m.optional("node_id") {
            let id = try v.interpolatedString()
            guard NodeIdentityStore.isValidID(id) else { throw v.error(.invalidValue, "node_id '\(id)' must be 1-128 characters of letters, digits and -_.:@") }
            o.nodeID = id
        }
        if let v = m.optional("sync_secret") {
            let s = try v.secret()
            guard !s.isEmpty else { throw v.error(.invalidValue, "sync_secret is empty") }
            o.syncSecret = s.reveal()
        }
        if let v = m.optional("gossip_listen") {
            let text = try v.interpolatedString()
            do { o.gossipListen = try SocketAddress(parsing: text) } catch { throw v.error(.invalidValue, "gossip_listen '\(text)': \(error)") }
        }
        if let v = m.optional("gossip_advertise") {
            let text = try v.interpolatedString()
            guard (try? SocketAddress(parsing: text)) != nil else { throw v.error(.invalidValue, "gossip_advertise '\(text)' must be IP:PORT") }
            o.gossipAdvertise = text
        }
        if let v = m.optional("gossip_seeds") {
            o.gossipSeeds = try v.list { (e) throws(ConfigDecodeError) -> String in try e.interpolatedString() }
        }
        if let v = m.optional("admission_wait") {
            let dur = try v.duration(range: .milliseconds(10) ... .seconds(60))
            o.admissionWait = Double(dur.components.seconds) + Double(dur.components.attoseconds) / 1e18
        }
        if let v = m.optional("sync_tls") { o.syncTLS = try SyncTLSSettings.decode(v, side: .sidecar) }
        if o.gossipListen == nil && (!o.gossipSeeds.isEmpty || o.gossipAdvertise != nil) {
            throw d.error(.invalidValue, "gossip_seeds and gossip_advertise need gossip_listen")
        }
        return o
    }
}

import TollgateConfig

extension SyncTLSSettings {
    /// Which end of the sync link a `sync_tls:` section configures.
    enum Side { case coordinator, sidecar }

    /// `sync_tls:` in the sidecar's `cluster:` section or the coordinator's file:
    ///
    ///     sync_tls:
    ///       cert: /etc/tollgate/sync-tls/tls.crt
    ///       key: /etc/tollgate/sync-tls/tls.key
    ///       client_ca: /etc/tollgate/sync-tls/ca.crt        # coordinator: mutual TLS
    ///       coordinator_ca: /etc/tollgate/sync-tls/ca.crt   # sidecar: verifies the coordinator
    static func decode(_ d: ConfigDecoder, side: Side) throws(ConfigDecodeError) -> SyncTLSSettings {
        let caKey = side == .coordinator ? "client_ca" : "coordinator_ca"
        let m = try d.mapping(allowedKeys: ["cert", "key", caKey])
        var s = SyncTLSSettings()
        s.certificateFile = try m.optional("cert")?.interpolatedString()
        s.keyFile = try m.optional("key")?.interpolatedString()
        let ca = try m.optional(caKey)?.interpolatedString()
        if side == .coordinator { s.clientCAFile = ca } else { s.coordinatorCAFile = ca }
        for (key, value) in [("cert", s.certificateFile), ("key", s.keyFile), (caKey, ca)] where value?.isEmpty == true {
            throw m.optional(key)!.error(.invalidValue, "\(key) must name a PEM file")
        }
        if (s.certificateFile == nil) != (s.keyFile == nil) { throw d.error(.invalidValue, "cert and key go together") }
        if side == .coordinator && s.clientCAFile != nil && s.certificateFile == nil {
            throw d.error(.invalidValue, "client_ca needs cert and key (mutual TLS is TLS)")
        }
        return s
    }
}

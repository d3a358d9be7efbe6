import TollgateTransport

/// TLS for the coordinator sync link, from `--sync-tls-cert/--sync-tls-key` (both sides),
/// `--sync-tls-client-ca` (coordinator: require client certificates from this CA) and
/// `--coordinator-ca` (sidecar: verify the coordinator against this CA). All nil: h2c.
public struct SyncTLSSettings: Sendable, Equatable {
    public var certificateFile: String? = nil
    public var keyFile: String? = nil
    /// Coordinator side: clients must present a certificate issued by this CA (mutual TLS).
    public var clientCAFile: String? = nil
    /// Sidecar side: the CA that issued the coordinator's certificate (else the system store).
    public var coordinatorCAFile: String? = nil

    public init() {}

    /// The sidecar dials TLS when it was given a coordinator CA or a client certificate.
    public var sidecarUsesTLS: Bool { coordinatorCAFile != nil || certificateFile != nil }

    /// The coordinator listens with TLS when it has a certificate.
    public var coordinatorUsesTLS: Bool { certificateFile != nil }

    /// What is missing or contradictory, for the coordinator's flags; nil when fine.
    public func coordinatorProblem() -> String? {
        if (certificateFile == nil) != (keyFile == nil) { return "--sync-tls-cert and --sync-tls-key go together" }
        if clientCAFile != nil && certificateFile == nil { return "--sync-tls-client-ca needs --sync-tls-cert and --sync-tls-key (mutual TLS is TLS)" }
        if coordinatorCAFile != nil { return "--coordinator-ca is a sidecar flag; the coordinator takes --sync-tls-client-ca" }
        return nil
    }

    /// What is missing or contradictory, for the sidecar's flags; nil when fine.
    public func sidecarProblem() -> String? {
        if (certificateFile == nil) != (keyFile == nil) { return "--sync-tls-cert and --sync-tls-key go together" }
        if clientCAFile != nil { return "--sync-tls-client-ca is a coordinator flag; the sidecar takes --coordinator-ca" }
        return nil
    }

    /// The coordinator's server context (ALPN h2, then http/1.1), or nil for plaintext.
    func serverContext() throws(ConfigError) -> TLSContext? {
        if let p = coordinatorProblem() { throw ConfigError(p) }
        guard let cert = certificateFile, let key = keyFile else { return nil }
        do {
            if let ca = clientCAFile { return try TLSContext.server(certificateFile: cert, keyFile: key, requiringClientsOf: ca) }
            return try TLSContext.server(certificateFile: cert, keyFile: key, alpn: ["h2", "http/1.1"])
        } catch {
            throw ConfigError("sync TLS: \(error.message)")
        }
    }

    /// The sidecar's client context (ALPN h2 only), or nil for h2c.
    func clientContext() throws(ConfigError) -> TLSContext? {
        if let p = sidecarProblem() { throw ConfigError(p) }
        guard sidecarUsesTLS else { return nil }
        do {
            return try TLSContext.client(trusting: coordinatorCAFile, certificateFile: certificateFile, keyFile: keyFile, alpn: ["h2"])
        } catch {
            throw ConfigError("sync TLS: \(error.message)")
        }
    }
}

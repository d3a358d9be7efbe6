import Glibc
import TollgateTransport

/// Everything the egress proxy shares across loops: the policy, the resolver, the leaf
/// certificate cache (when a CA is configured) and the per-host metrics. Built once at start.
final class EgressServices: Sendable {
    let settings: EgressSettings
    let policy: EgressPolicy
    let resolver: EgressResolver
    let metrics = EgressMetrics()
    let certificates: LeafCertificateCache?
    /// Verifies every re-encrypted upstream against the system store plus --upstream-ca.
    private let upstreamTLS: TLSContext

    convenience init(options: SidecarOptions) throws(ConfigError) {
        let tls: TLSContext
        do {
            tls = try TLSContext.client(extraCAFile: options.upstreamCAFile, alpn: ["h2", "http/1.1"])
        } catch {
            throw ConfigError("egress upstream TLS: \(error.message)")
        }
        try self.init(settings: options.egress, upstreamTLS: tls)
    }

    init(settings: EgressSettings, upstreamTLS: TLSContext) throws(ConfigError) {
        try settings.validate()
        self.settings = settings
        self.upstreamTLS = upstreamTLS
        policy = EgressPolicy(settings: settings)
        resolver = EgressResolver(overrides: settings.resolve)
        if let certFile = settings.caCertFile, let keyFile = settings.caKeyFile, !settings.interceptHosts.isEmpty {
            let ca: CertificateAuthority
            do {
                ca = try CertificateAuthority(certificateFile: certFile, keyFile: keyFile)
            } catch {
                // The message names files and OpenSSL reasons only, never key material.
                throw ConfigError("egress CA: \(error.message)")
            }
            let m = metrics
            certificates = LeafCertificateCache(authority: ca, hosts: Set(settings.interceptHosts),
                                                validitySeconds: settings.leafValiditySeconds, onMint: { m.certificateMinted() })
        } else {
            certificates = nil
            if !settings.interceptHosts.isEmpty {
                Log.warning("egress: no CA (--egress-ca-cert/--egress-ca-key): \(settings.interceptHosts.joined(separator: ", ")) are tunnelled opaquely, without accounting or budgets")
            }
        }
    }

    func clientTLS(for target: UpstreamTarget) -> TLSContext? { target.isTLS ? upstreamTLS : nil }

    /// The endpoint for an egress route: passthrough (the client's own credentials and body
    /// go as sent), fresh per request so no breaker or provider hold-off of one request turns
    /// the next into a Tollgate refusal: the client chose this host itself.
    func endpoint(for target: UpstreamTarget) -> UpstreamEndpoint {
        UpstreamEndpoint(id: target.authority, providerName: nil, kind: .openAICompatible, target: target, model: nil, weight: 1,
                         health: DeploymentHealth(failureThreshold: Int.max, cooldownNanos: 0),
                         apiKey: nil, apiVersion: nil, extraHeaders: [])
    }

    /// Wall-clock seconds, for certificate validity.
    static func wallSeconds() -> Int64 { Int64(time(nil)) }
}

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

    init(settings: EgressSettings) throws(ConfigError) {
        try settings.validate()
        self.settings = settings
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

    /// Wall-clock seconds, for certificate validity.
    static func wallSeconds() -> Int64 { Int64(time(nil)) }
}

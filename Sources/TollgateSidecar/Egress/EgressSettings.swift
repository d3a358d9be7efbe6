import TollgateConfig
import TollgateTransport

/// The egress proxy's settings, from the `egress:` config section or `--egress-*` flags: where
/// it listens, which hosts it lets through, which it intercepts (TLS terminated with a leaf
/// minted from the operator's CA, then governed like base-URL traffic) and how clients
/// authenticate. Hosts that are allowed but not intercepted are tunnelled opaquely.
public struct EgressSettings: Sendable, Equatable {
    /// Provider API hosts intercepted unless the configuration names its own list.
    public static let defaultInterceptHosts = ["api.openai.com", "api.anthropic.com", "generativelanguage.googleapis.com"]

    /// Off unless the section or an `--egress*` flag is given.
    public var enabled = false
    /// A dedicated proxy address; nil: the sidecar's own port also takes proxy requests.
    public var listen: SocketAddress? = nil
    public var allow: [EgressHostPattern] = []
    /// Deny hosts not allowed (and not intercepted); otherwise allow all and still count them.
    public var strict = false
    /// Exact host names (normalized); certificates are minted for these and no others.
    public var interceptHosts: [String] = EgressSettings.defaultInterceptHosts
    public var caCertFile: String? = nil
    public var caKeyFile: String? = nil
    /// "user:pass" for Proxy-Authorization Basic; nil: no proxy authentication.
    public var proxyAuth: Secret? = nil
    /// Host -> address overrides for dialing (like curl --resolve); the TLS name stays the host.
    public var resolve: [String: SocketAddress] = [:]
    /// Lifetime of minted leaf certificates, seconds.
    public var leafValiditySeconds: Int64 = 24 * 3600

    public init() {}

    public var interceptsTLS: Bool { caCertFile != nil && caKeyFile != nil && !interceptHosts.isEmpty }

    /// Whether `host` (normalized) is let through: named in `allow`, intercepted, or not strict.
    public func allows(_ host: String) -> Bool {
        if !strict { return true }
        return isIntercepted(host) || allow.contains { $0.matches(host) }
    }

    public func isIntercepted(_ host: String) -> Bool {
        interceptsTLS && interceptHosts.contains(EgressHostPattern.normalize(host))
    }

    /// Parses "HOST=ADDR:PORT".
    public static func parseResolve(_ text: String) throws(ConfigError) -> (String, SocketAddress) {
        guard let eq = text.firstIndex(of: "=") else { throw ConfigError("egress resolve '\(text)' must be HOST=ADDRESS:PORT") }
        let host = EgressHostPattern.normalize(String(text[..<eq]))
        guard EgressHostPattern.isHostName(host) else { throw ConfigError("egress resolve '\(text)': '\(host)' is not a host name") }
        do {
            return (host, try SocketAddress(parsing: String(text[text.index(after: eq)...])))
        } catch {
            throw ConfigError("egress resolve '\(text)': \(error)")
        }
    }

    /// Checks what must hold together; called after flags and file are merged.
    public func validate() throws(ConfigError) {
        if (caCertFile == nil) != (caKeyFile == nil) {
            throw ConfigError("egress: the CA certificate and key must be given together (--egress-ca-cert and --egress-ca-key)")
        }
        for h in interceptHosts where !EgressHostPattern.isHostName(h) || h.contains("*") {
            throw ConfigError("egress: intercept host '\(h)' must be an exact host name (no wildcards)")
        }
        if let a = proxyAuth, !a.reveal().contains(":") {
            throw ConfigError("egress: proxy authentication must be user:password")
        }
    }
}

import TollgateConfig
import TollgateTransport

extension EgressSettings {
    static let usage = """
    Egress proxy (HTTPS_PROXY / HTTP_PROXY for apps that cannot change their base URL):
      --egress                   accept proxy requests (CONNECT, absolute-form) on --listen
      --egress-listen ADDR       ... on a dedicated address instead
      --egress-allow HOST[,HOST] allowed hosts (repeatable; '*.example.com' for subdomains)
      --egress-strict            refuse hosts not allowed or intercepted (403)
      --egress-intercept HOST    also intercept HOST (repeatable; defaults: api.openai.com,
                                 api.anthropic.com, generativelanguage.googleapis.com)
      --egress-ca-cert FILE      CA certificate for minting intercepted hosts' certificates
      --egress-ca-key FILE       ... and its private key (see tollgate ca init)
      --egress-proxy-auth U:P    require Proxy-Authorization Basic with these credentials
      --egress-proxy-auth-file F ... read from a file
      --egress-resolve HOST=ADDR:PORT  dial ADDR:PORT for HOST (TLS still checks HOST)
    """

    /// Applies one `--egress*` flag; false if `flag` is not one of them.
    mutating func apply(flag: (name: String, inline: String?), _ r: inout ArgumentReader) throws(ConfigError) -> Bool {
        switch flag.name {
        case "--egress": break
        case "--egress-listen":
            let v = try r.value(for: flag)
            do { listen = try SocketAddress(parsing: v) } catch { throw ConfigError("--egress-listen: \(error)") }
        case "--egress-allow":
            for part in try r.value(for: flag).split(separator: ",") where !part.isEmpty {
                allow.append(try EgressHostPattern(String(part)))
            }
        case "--egress-strict": strict = true
        case "--egress-intercept":
            let h = EgressHostPattern.normalize(try r.value(for: flag))
            guard EgressHostPattern.isHostName(h) else { throw ConfigError("--egress-intercept expects an exact host name, got '\(h)'") }
            if !interceptHosts.contains(h) { interceptHosts.append(h) }
        case "--egress-ca-cert": caCertFile = try r.value(for: flag)
        case "--egress-ca-key": caKeyFile = try r.value(for: flag)
        case "--egress-proxy-auth": proxyAuth = Secret(try r.value(for: flag))
        case "--egress-proxy-auth-file":
            let path = try r.value(for: flag)
            do {
                let bytes = try SecretResolver.readFromDisk(path)
                var text = String(decoding: bytes, as: UTF8.self)
                while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
                proxyAuth = Secret(text)
            } catch {
                throw ConfigError("--egress-proxy-auth-file \(path): \(error.reason)")
            }
        case "--egress-resolve":
            let (h, a) = try EgressSettings.parseResolve(try r.value(for: flag))
            resolve[h] = a
        default:
            return false
        }
        enabled = true
        return true
    }
}

extension EgressSettings {
    /// The egress part of the start-up log line (no secrets: hosts, files and addresses only).
    static func startupNote(_ s: EgressSettings, bound: SocketAddress?) -> String {
        guard s.enabled else { return "" }
        let port = bound.map { "\($0)" } ?? "the sidecar port"
        let intercept = s.interceptsTLS ? s.interceptHosts.joined(separator: ",") : "none (no CA)"
        return "; egress proxy on \(port) (\(s.strict ? "strict" : "open"), intercepting \(intercept))"
    }
}

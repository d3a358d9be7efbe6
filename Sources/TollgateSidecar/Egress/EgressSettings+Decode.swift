import TollgateConfig
import TollgateTransport

extension EgressSettings {
    /// The `egress:` section:
    ///
    ///     egress:
    ///       listen: 127.0.0.1:3128          # optional dedicated port
    ///       allow: [api.github.com, "*.internal.example"]
    ///       strict: true
    ///       intercept: [api.openai.com]     # replaces the default provider list
    ///       ca_cert: /etc/tollgate/ca/ca.pem
    ///       ca_key: /etc/tollgate/ca/ca.key
    ///       proxy_auth: ${EGRESS_PROXY_AUTH}  # user:password, or file:/path
    ///       resolve: {api.openai.com: 127.0.0.1:8443}
    ///       leaf_validity: 24h
    public static func decode(_ d: ConfigDecoder) throws(ConfigDecodeError) -> EgressSettings {
        var s = EgressSettings()
        let m = try d.mapping(allowedKeys: ["enabled", "listen", "allow", "strict", "intercept", "ca_cert", "ca_key",
                                            "proxy_auth", "resolve", "leaf_validity"])
        s.enabled = try m.optional("enabled")?.bool() ?? true
        if let v = m.optional("listen") {
            let text = try v.interpolatedString()
            do { s.listen = try SocketAddress(parsing: text) } catch { throw v.error(.invalidValue, "egress listen '\(text)': \(error)") }
        }
        if let v = m.optional("allow") {
            s.allow = try v.list { (e) throws(ConfigDecodeError) -> EgressHostPattern in
                let text = try e.string()
                do throws(ConfigError) { return try EgressHostPattern(text) } catch { throw e.error(.invalidValue, error.message) }
            }
        }
        s.strict = try m.optional("strict")?.bool() ?? false
        if let v = m.optional("intercept") {
            s.interceptHosts = try v.list { (e) throws(ConfigDecodeError) -> String in
                let h = EgressHostPattern.normalize(try e.string())
                guard EgressHostPattern.isHostName(h) else { throw e.error(.invalidValue, "intercept host '\(h)' must be an exact host name") }
                return h
            }
        }
        s.caCertFile = try m.optional("ca_cert")?.interpolatedString()
        s.caKeyFile = try m.optional("ca_key")?.interpolatedString()
        s.proxyAuth = try m.optional("proxy_auth")?.secret()
        if let v = m.optional("resolve") {
            for entry in try v.mapping().entries {
                let addr = try entry.value.string()
                do {
                    let (h, a) = try EgressSettings.parseResolve("\(entry.key)=\(addr)")
                    s.resolve[h] = a
                } catch {
                    throw entry.value.error(.invalidValue, error.message)
                }
            }
        }
        if let v = m.optional("leaf_validity") {
            let dur = try v.duration(range: .seconds(3600) ... .seconds(90 * 86400))
            s.leafValiditySeconds = dur.components.seconds
        }
        do { try s.validate() } catch { throw d.error(.invalidValue, error.message) }
        return s
    }
}

import TollgateConfig
import TollgateRouting

/// The `routing:` section: retries over deployments, backoff and the per-deployment breaker.
struct RoutingConfig: Sendable, Equatable {
    /// Extra attempts after the first (so at most retries + 1 deployments are tried).
    var retries = 2
    var backoff = BackoffPolicy(baseNanos: 100_000_000, maxNanos: 2_000_000_000)
    var breakerFailures = 5
    var breakerCooldownNanos: UInt64 = 30_000_000_000
    /// Time allowed for one attempt to produce a response head when another deployment could
    /// take over. 0 (the default): only `timeouts.upstream` applies, per attempt. Off by
    /// default because a long non-streamed generation cut at this limit would be generated
    /// (and billed) twice.
    var attemptTimeoutSeconds: Double = 0
    /// Provider for requests that name no model (file uploads, /v1/models of a provider...).
    var defaultProvider: String?

    static func decode(_ d: ConfigDecoder) throws(ConfigDecodeError) -> RoutingConfig {
        let m = try d.mapping(allowedKeys: ["retries", "backoff", "max_backoff", "breaker", "attempt_timeout", "default_provider"])
        var r = RoutingConfig()
        if let v = m.optional("retries") { r.retries = try v.int(range: 0...10) }
        if let v = m.optional("backoff") { r.backoff.baseNanos = nanos(try v.duration(range: .zero ... .seconds(60))) }
        if let v = m.optional("max_backoff") { r.backoff.maxNanos = nanos(try v.duration(range: .zero ... .seconds(300))) }
        r.backoff.maxNanos = max(r.backoff.maxNanos, r.backoff.baseNanos)
        if let v = m.optional("breaker") {
            let b = try v.mapping(allowedKeys: ["failures", "cooldown"])
            if let f = b.optional("failures") { r.breakerFailures = try f.int(range: 1...1_000) }
            if let c = b.optional("cooldown") { r.breakerCooldownNanos = nanos(try c.duration(range: .milliseconds(1) ... .seconds(3600))) }
        }
        if let v = m.optional("attempt_timeout") { r.attemptTimeoutSeconds = SidecarConfigFile.seconds(try v.duration(range: .zero ... .seconds(86_400))) }
        r.defaultProvider = try m.optional("default_provider")?.string()
        return r
    }

    static func nanos(_ d: Duration) -> UInt64 {
        let c = d.components
        return UInt64(c.seconds) * 1_000_000_000 + UInt64(c.attoseconds / 1_000_000_000)
    }
}

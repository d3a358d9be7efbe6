import TollgateCrypto
import TollgateLLM
import TollgateTransport

/// Everything a request needs to be identified and routed, built from the configuration file
/// (or from `--upstream` alone) and replaced whole on reload: loops pick up the new one at
/// their next request, and requests in flight finish with the one they started with.
final class GatewayPolicy: Sendable {
    let version: UInt64
    let models: [String: ModelRoute]
    /// Model aliases in configuration order, for /v1/models.
    let modelOrder: [String]
    let providers: [String: UpstreamEndpoint]
    /// Virtual keys by SHA-256 of the key. Empty: passthrough (no key required).
    let keys: [[UInt8]: VirtualKeyConfig]
    /// `--upstream`: where requests for unconfigured models (or naming none) go.
    let passthrough: UpstreamEndpoint?
    /// `[passthrough]`, made once: each passthrough request's plan shares it.
    let passthroughOrder: [UpstreamEndpoint]
    let routing: RoutingConfig
    let prices: ModelPriceTable
    let addresses: [String: [SocketAddress]]
    /// Client TLS contexts by extra CA file ("" = system store only).
    let tlsContexts: [String: TLSContext]
    /// Pool keys of every configured upstream.
    let ownedKeys: Set<String>

    init(version: UInt64, models: [ModelRoute], providers: [String: UpstreamEndpoint], keys: [VirtualKeyConfig],
         passthrough: UpstreamEndpoint?, routing: RoutingConfig, prices: ModelPriceTable,
         addresses: [String: [SocketAddress]], tlsContexts: [String: TLSContext], ownedKeys: Set<String>) {
        self.version = version
        var m: [String: ModelRoute] = [:]
        for r in models { m[r.alias] = r }
        self.models = m
        self.modelOrder = models.map(\.alias)
        self.providers = providers
        var k: [[UInt8]: VirtualKeyConfig] = [:]
        for key in keys { k[key.keyDigest] = key }
        self.keys = k
        self.passthrough = passthrough
        self.passthroughOrder = passthrough.map { [$0] } ?? []
        self.routing = routing
        self.prices = prices
        self.addresses = addresses
        self.tlsContexts = tlsContexts
        self.ownedKeys = ownedKeys
    }

    var requiresKeys: Bool { !keys.isEmpty }

    /// The key record for a presented secret, or nil.
    func key(presented: String) -> VirtualKeyConfig? {
        keys[Digest.sha256(Array(presented.utf8))]
    }

    func tls(for target: UpstreamTarget) -> TLSContext? {
        guard target.isTLS else { return nil }
        return tlsContexts[target.caFile ?? ""]
    }

    /// The price for a model alias or a provider model name.
    /// A one-attempt plan to the passthrough upstream (sharing `passthroughOrder`), nil without one.
    func passthroughPlan(api: LLMAPI?, alias: String?, replayable: Bool) -> RoutePlan? {
        guard passthrough != nil else { return nil }
        return RoutePlan(api: api, alias: alias, order: passthroughOrder, maxAttempts: 1, replayable: replayable)
    }

    func price(alias: String?, served: String?) -> ModelPrice? {
        if let alias, let p = prices.price(for: alias) { return p }
        if let served { return prices.price(for: served) }
        return nil
    }
}

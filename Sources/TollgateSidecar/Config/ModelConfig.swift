import TollgateConfig
import TollgateLLM
import TollgateRouting

/// A model alias from the `models:` section: the name apps send, the deployments that serve
/// it, how to spread load over them, and an optional price that overrides the built-in one.
struct ModelConfig: Sendable {
    struct Deployment: Sendable, Equatable {
        var provider: String
        /// The provider's model name (Azure: the deployment name).
        var model: String
        var weight: Int
    }

    var alias: String
    var strategy: DeploymentPicker.Strategy
    var deployments: [Deployment]
    var price: ModelPrice?

    static func decodeAll(_ d: ConfigDecoder, providers: [ProviderConfig]) throws(ConfigDecodeError) -> [ModelConfig] {
        var out: [ModelConfig] = []
        for (alias, _, value) in try d.mapping().entries {
            out.append(try decode(alias: alias, value, providers: providers))
        }
        return out
    }

    static func decode(alias: String, _ d: ConfigDecoder, providers: [ProviderConfig]) throws(ConfigDecodeError) -> ModelConfig {
        let m = try d.mapping(allowedKeys: ["strategy", "deployments", "price"])
        let strategy = try m.optional("strategy")?.choice(DeploymentPicker.Strategy.self) ?? .weighted
        let deployments = try m.required("deployments").list { (e) throws(ConfigDecodeError) -> Deployment in
            let dm = try e.mapping(allowedKeys: ["provider", "model", "weight"])
            let providerNode = try dm.required("provider")
            let provider = try providerNode.string()
            guard providers.contains(where: { $0.name == provider }) else {
                let known = providers.map(\.name)
                throw providerNode.error(.invalidValue, "unknown provider '\(provider)'; " + (known.isEmpty ? "no providers are configured" : "expected one of: \(known.joined(separator: ", "))"))
            }
            return Deployment(provider: provider, model: try dm.optional("model")?.string() ?? alias,
                              weight: try dm.optional("weight")?.int(range: 0...1_000_000) ?? 1)
        }
        guard !deployments.isEmpty else { throw d.error(.invalidValue, "model '\(alias)' needs at least one deployment") }
        var price: ModelPrice?
        if let p = m.optional("price") { price = try decodePrice(p) }
        return ModelConfig(alias: alias, strategy: strategy, deployments: deployments, price: price)
    }

    /// USD per million tokens, as price lists print them; kept in integer micro-dollars.
    static func decodePrice(_ d: ConfigDecoder) throws(ConfigDecodeError) -> ModelPrice {
        let m = try d.mapping(allowedKeys: ["input", "output", "cached_input", "cache_write", "reasoning"])
        func usd(_ key: String) throws(ConfigDecodeError) -> Int64? {
            guard let v = m.optional(key) else { return nil }
            return Int64((try v.double(range: 0...1_000_000) * 1_000_000).rounded())
        }
        guard let input = try usd("input"), let output = try usd("output") else {
            throw d.error(.missingKey, "a price needs 'input' and 'output' (USD per 1M tokens)")
        }
        return ModelPrice(input: input, output: output, cachedInput: try usd("cached_input"),
                          cacheWrite: try usd("cache_write"), reasoning: try usd("reasoning"))
    }
}

import TollgateLLM
import TollgateTransport

extension GatewayPolicy {
    /// Builds the policy from a decoded file (or none) and the flags: resolves every upstream
    /// host and loads every CA file now, so a bad reload fails here and never reaches traffic.
    /// `health` keeps breakers across reloads; new deployments are added to it.
    /// How upstream host names are handled while building.
    enum Resolution {
        /// Every host must resolve (check-config).
        case strict
        /// A host that does not resolve now is looked up again when first dialed (start and
        /// reload: a DNS hiccup must not crash-loop a pod or refuse a reload).
        case lenient
        /// No lookups (check-config --no-resolve).
        case skip
    }

    static func build(file: SidecarConfigFile?, options: SidecarOptions, version: UInt64,
                      health: inout [String: DeploymentHealth], resolution: Resolution = .lenient) throws(ConfigError) -> GatewayPolicy {
        let routing = file?.routing ?? RoutingConfig()
        func healthFor(_ id: String) -> DeploymentHealth {
            if let h = health[id] {
                h.configure(failureThreshold: routing.breakerFailures, cooldownNanos: routing.breakerCooldownNanos)
                return h
            }
            let h = DeploymentHealth(failureThreshold: routing.breakerFailures, cooldownNanos: routing.breakerCooldownNanos)
            health[id] = h
            return h
        }
        var providerConfigs: [String: ProviderConfig] = [:]
        var providers: [String: UpstreamEndpoint] = [:]
        var targets: [UpstreamTarget] = []
        for p in file?.providers ?? [] {
            providerConfigs[p.name] = p
            var t = p.baseURL
            t.priorKnowledgeH2 = p.http2 && !t.isTLS
            t.caFile = p.caFile
            targets.append(t)
            providers[p.name] = UpstreamEndpoint(
                id: p.name, providerName: p.name, kind: p.kind, target: t, model: nil, weight: 1,
                health: healthFor("provider:\(p.name)"), apiKey: p.apiKey, apiVersion: p.apiVersion, extraHeaders: p.headers)
        }
        var routes: [ModelRoute] = []
        var priceOverrides: [String: ModelPrice] = [:]
        for m in file?.models ?? [] {
            var endpoints: [UpstreamEndpoint] = []
            for d in m.deployments {
                let p = providerConfigs[d.provider]!
                let id = "\(p.name)/\(d.model)"
                endpoints.append(UpstreamEndpoint(
                    id: id, providerName: p.name, kind: p.kind, target: providers[p.name]!.target, model: d.model, weight: d.weight,
                    health: healthFor(id), apiKey: p.apiKey, apiVersion: p.apiVersion, extraHeaders: p.headers))
            }
            routes.append(ModelRoute(alias: m.alias, strategy: m.strategy, deployments: endpoints))
            if let price = m.price {
                priceOverrides[m.alias] = price
                for d in m.deployments where priceOverrides[d.model] == nil { priceOverrides[d.model] = price }
            }
        }
        if let name = routing.defaultProvider, providers[name] == nil {
            throw ConfigError("\(file?.path ?? "config"): routing.default_provider names unknown provider '\(name)'")
        }
        var passthrough: UpstreamEndpoint?
        if var t = options.upstream {
            t.priorKnowledgeH2 = options.upstreamH2 && !t.isTLS
            t.caFile = options.upstreamCAFile
            targets.append(t)
            passthrough = UpstreamEndpoint(
                id: t.description, providerName: nil, kind: .openAICompatible, target: t, model: nil, weight: 1,
                health: healthFor("passthrough:\(t.poolKey)"), apiKey: nil, apiVersion: nil, extraHeaders: [])
        }
        var addresses: [String: [SocketAddress]] = [:]
        var tls: [String: TLSContext] = [:]
        for t in targets {
            if resolution != .skip && addresses[t.poolKey] == nil {
                do {
                    addresses[t.poolKey] = try Socket.resolve(host: t.host, port: t.port)
                } catch {
                    if resolution == .strict { throw ConfigError("cannot resolve upstream \(t): \(error)") }
                    Log.warning("cannot resolve upstream \(t) now (\(error)); it is looked up again when first used")
                }
            }
            if t.isTLS && tls[t.caFile ?? ""] == nil {
                do {
                    tls[t.caFile ?? ""] = try TLSContext.client(extraCAFile: t.caFile, alpn: ["h2", "http/1.1"])
                } catch {
                    throw ConfigError("TLS setup for upstream \(t): \(error)")
                }
            }
        }
        return GatewayPolicy(
            version: version, models: routes, providers: providers, keys: file?.keys ?? [], passthrough: passthrough,
            routing: routing, prices: ModelPriceTable.builtIn.merging(priceOverrides), addresses: addresses, tlsContexts: tls,
            ownedKeys: Set(targets.map(\.poolKey)))
    }
}

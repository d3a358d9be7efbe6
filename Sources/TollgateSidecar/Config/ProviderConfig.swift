import TollgateConfig
import TollgateLLM

/// One upstream model provider from the `providers:` section: where it is, which API family
/// it speaks, and the credential Tollgate injects (apps never hold it).
struct ProviderConfig: Sendable {
    /// The provider kinds a config may name (`azure` is Azure OpenAI).
    enum Kind: String, Sendable, CaseIterable {
        case openai, anthropic, gemini, azure
        case openAICompatible = "openai_compatible"

        /// Whether a request of `api`'s family can be sent to this kind unchanged.
        func serves(_ api: LLMAPI) -> Bool {
            switch (self, api.provider) {
            case (.openai, .openAI), (.azure, .openAI), (.openAICompatible, .openAI): return true
            case (.anthropic, .anthropic): return true
            case (.gemini, .gemini): return true
            default: return false
            }
        }
    }

    var name: String
    var kind: Kind
    var baseURL: UpstreamTarget
    var apiKey: Secret?
    var caFile: String?
    var http2: Bool
    var apiVersion: String?
    /// Extra request headers (an OpenAI-Organization, a gateway tenant id...).
    var headers: [(name: String, value: String)]

    static func decodeAll(_ d: ConfigDecoder) throws(ConfigDecodeError) -> [ProviderConfig] {
        var out: [ProviderConfig] = []
        for (name, _, value) in try d.mapping().entries {
            out.append(try decode(name: name, value))
        }
        return out
    }

    static func decode(name: String, _ d: ConfigDecoder) throws(ConfigDecodeError) -> ProviderConfig {
        let m = try d.mapping(allowedKeys: ["kind", "base_url", "api_key", "ca_file", "http2", "api_version", "headers"])
        let kind = try m.required("kind").choice(Kind.self)
        let urlNode = try m.required("base_url")
        let urlText = try urlNode.interpolatedString()
        let url: UpstreamTarget
        do { url = try UpstreamTarget(parsing: urlText) } catch {
            // A ${VAR} value is not echoed: the variable may hold something secret by mistake.
            let raw = try urlNode.string()
            throw urlNode.error(.invalidValue, raw == urlText ? error.message : "base_url '\(raw)' does not expand to an http:// or https:// URL")
        }
        var headers: [(String, String)] = []
        if let h = m.optional("headers") {
            for (k, _, v) in try h.mapping().entries { headers.append((k, try v.secret().reveal())) }
        }
        let apiVersion = try m.optional("api_version")?.interpolatedString()
        if kind == .azure && apiVersion == nil {
            throw d.error(.missingKey, "provider '\(name)' of kind azure needs 'api_version' (e.g. 2024-10-21)")
        }
        return ProviderConfig(
            name: name, kind: kind, baseURL: url, apiKey: try m.optional("api_key")?.secret(),
            caFile: try m.optional("ca_file")?.interpolatedString(), http2: try m.optional("http2")?.bool() ?? false,
            apiVersion: apiVersion, headers: headers)
    }
}

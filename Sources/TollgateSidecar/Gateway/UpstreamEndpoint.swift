import TollgateConfig
import TollgateHTTP
import TollgateLLM

/// Somewhere a request can be sent: a configured deployment (provider + real model name, with
/// the provider's credential injected) or the passthrough upstream of `--upstream` (the
/// client's own credential forwarded). Immutable; shared by all loops.
final class UpstreamEndpoint: Sendable {
    /// "provider/model" for deployments, the URL for passthrough: names it in usage records,
    /// metrics and logs.
    let id: String
    let providerName: String?
    let kind: ProviderConfig.Kind
    let target: UpstreamTarget
    /// The provider's model name; nil for passthrough (the body goes as the client wrote it).
    let model: String?
    let weight: Int
    let health: DeploymentHealth
    /// Headers that carry the provider credential, precomputed; empty for passthrough.
    let credentialHeaders: [(name: String, value: String)]
    let apiVersion: String?
    /// The provider has a key of its own; without one the client's credential goes through
    /// (a keyless provider in passthrough mode, a local vLLM).
    let injectsCredential: Bool
    /// Whether request paths need rewriting for this endpoint (decided once, not per request).
    let mapsPaths: Bool

    /// `health.attemptStarted()`, called through the endpoint: as `e.health.attemptStarted()`
    /// at the call site it retained and released the health object around the call; from the
    /// endpoint's own method its let is borrowed. Not inlined, or the caller would hold the
    /// same two-level chain again. (The other per-request health calls measured no better.)
    @inline(never) func attemptStarted() { health.attemptStarted() }

    init(id: String, providerName: String?, kind: ProviderConfig.Kind, target: UpstreamTarget, model: String?, weight: Int,
         health: DeploymentHealth, apiKey: Secret?, apiVersion: String?, extraHeaders: [(name: String, value: String)]) {
        self.id = id
        self.providerName = providerName
        self.kind = kind
        self.target = target
        self.model = model
        self.weight = weight
        self.health = health
        self.apiVersion = apiVersion
        self.injectsCredential = apiKey != nil
        self.mapsPaths = kind == .azure || kind == .gemini || target.basePath.hasSuffix("/v1")
        var h: [(name: String, value: String)] = []
        if let key = apiKey?.reveal() {
            switch kind {
            case .openai, .openAICompatible: h.append(("authorization", "Bearer \(key)"))
            case .azure: h.append(("api-key", key))
            case .anthropic: h.append(("x-api-key", key))
            case .gemini: h.append(("x-goog-api-key", key))
            }
        }
        h += extraHeaders
        credentialHeaders = h
    }

    var isPassthrough: Bool { providerName == nil }

    /// Request headers that carry a client credential in any of the supported APIs.
    static let clientCredentialHeaders = ["authorization", "x-api-key", "api-key", "x-goog-api-key"]

    /// Whether a field name (bytes) is one of `clientCredentialHeaders`.
    static func isClientCredentialHeader(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        asciiEqualsLowercase(name, "authorization") || asciiEqualsLowercase(name, "x-api-key")
            || asciiEqualsLowercase(name, "api-key") || asciiEqualsLowercase(name, "x-goog-api-key")
    }
}

import Testing
import TollgateHTTP
import TollgateConfig
import TollgateLLM
@testable import TollgateSidecar

@Suite struct UpstreamEndpointTests {
    func endpoint(_ kind: ProviderConfig.Kind, _ url: String, model: String? = "real", key: String? = "sk-provider-1", version: String? = nil) throws -> UpstreamEndpoint {
        UpstreamEndpoint(id: "p/real", providerName: "p", kind: kind, target: try UpstreamTarget(parsing: url), model: model, weight: 1,
                         health: DeploymentHealth(failureThreshold: 1, cooldownNanos: 1), apiKey: key.map(Secret.init),
                         apiVersion: version, extraHeaders: [])
    }

    func head(_ target: String, _ headers: [(String, String)]) -> HTTPRequestHead {
        var h = HTTPHeaders()
        for (n, v) in headers { h.add(n, v) }
        return HTTPRequestHead(method: "POST", target: target, version: .http1_1, headers: h)
    }

    /// The client's credential is replaced by the provider's, and the alias by the real model.
    @Test func swapsCredentialAndModel() throws {
        let e = try endpoint(.openai, "https://api.openai.com")
        var h = head("/v1/chat/completions", [("Authorization", "Bearer tg-virtual"), ("x-api-key", "tg-virtual")])
        var body: [UInt8]? = Array(#"{"model":"fast","messages":[]}"#.utf8)
        e.adapt(head: &h, body: &body, api: .openAIChat, alias: "fast", stripClientCredentials: true)
        #expect(h.headers["authorization"] == "Bearer sk-provider-1" && h.headers["x-api-key"] == nil)
        #expect(String(decoding: body!, as: UTF8.self) == #"{"model":"real","messages":[]}"#)
        #expect(h.headers["content-length"] == String(body!.count))
    }

    /// A base URL written the SDK way (…/v1) is not doubled with the client's /v1.
    @Test func noDoubleV1() throws {
        let e = try endpoint(.openAICompatible, "http://127.0.0.1:8000/v1")
        #expect(e.mappedTarget("/v1/v1/chat/completions", api: .openAIChat, alias: nil) == "/v1/chat/completions")
    }

    /// Azure: deployments path, api-version query, api-key header.
    @Test func azurePaths() throws {
        let e = try endpoint(.azure, "https://x.openai.azure.com", model: "dep1", version: "2024-10-21")
        #expect(e.mappedTarget("/v1/chat/completions?foo=1", api: .openAIChat, alias: "gpt") == "/openai/deployments/dep1/chat/completions?foo=1&api-version=2024-10-21")
        #expect(e.mappedTarget("/v1/embeddings", api: .openAIEmbeddings, alias: "gpt") == "/openai/deployments/dep1/embeddings?api-version=2024-10-21")
        #expect(e.credentialHeaders.map(\.name) == ["api-key"])
    }

    /// Gemini: the model lives in the path; a key in the query string is dropped for the provider's.
    @Test func geminiPath() throws {
        let e = try endpoint(.gemini, "https://generativelanguage.googleapis.com", model: "gemini-2.0-flash")
        var h = head("/v1beta/models/flash:streamGenerateContent?alt=sse&key=tg-x", [])
        var body: [UInt8]? = nil
        e.adapt(head: &h, body: &body, api: .geminiStreamGenerateContent, alias: "flash", stripClientCredentials: true)
        #expect(h.target == "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse")
        #expect(h.headers["x-goog-api-key"] == "sk-provider-1")
    }

    /// A `?key=` credential never travels on to any provider once credentials are swapped, and
    /// stays (as the client's own) when nothing replaces it.
    @Test func queryKeyIsACredential() throws {
        var body: [UInt8]? = nil
        var h = head("/v1/chat/completions?key=tg-virtual", [])
        try endpoint(.openai, "https://api.openai.com", key: nil).adapt(head: &h, body: &body, api: .openAIChat, alias: nil, stripClientCredentials: true)
        #expect(h.target == "/v1/chat/completions")
        h = head("/v1/files?purpose=x&key=tg-virtual&limit=2", [])
        try endpoint(.openai, "https://api.openai.com").adapt(head: &h, body: &body, api: nil, alias: nil, stripClientCredentials: false)
        #expect(h.target == "/v1/files?purpose=x&limit=2")
        h = head("/v1beta/models/m:generateContent?key=client-own", [])
        try endpoint(.gemini, "https://generativelanguage.googleapis.com", model: nil, key: nil)
            .adapt(head: &h, body: &body, api: .geminiGenerateContent, alias: nil, stripClientCredentials: false)
        #expect(h.target == "/v1beta/models/m:generateContent?key=client-own")
    }

    /// Without a provider key and without virtual keys, the client's own key goes through.
    @Test func keylessProviderForwardsClientKey() throws {
        let e = try endpoint(.openai, "https://api.openai.com", key: nil)
        var h = head("/v1/chat/completions", [("authorization", "Bearer sk-client")])
        var body: [UInt8]? = nil
        e.adapt(head: &h, body: &body, api: .openAIChat, alias: nil, stripClientCredentials: false)
        #expect(h.headers["authorization"] == "Bearer sk-client")
    }

    /// Anthropic calls get an anthropic-version when the client sent none.
    @Test func anthropicVersion() throws {
        let e = try endpoint(.anthropic, "https://api.anthropic.com")
        var h = head("/v1/messages", [])
        var body: [UInt8]? = nil
        e.adapt(head: &h, body: &body, api: .anthropicMessages, alias: nil, stripClientCredentials: true)
        #expect(h.headers["anthropic-version"] == "2023-06-01" && h.headers["x-api-key"] == "sk-provider-1")
    }
}

@Suite struct IdentityFilterTests {
    /// Keys are found in each header the SDKs use, and in Gemini's query string.
    @Test func presentedKeyForms() {
        func h(_ n: String, _ v: String) -> HTTPHeaders { var x = HTTPHeaders(); x.add(n, v); return x }
        #expect(IdentityFilter.presentedKey(h("Authorization", "Bearer  tg-1 "), target: "/") == "tg-1")
        #expect(IdentityFilter.presentedKey(h("x-api-key", "tg-2"), target: "/") == "tg-2")
        #expect(IdentityFilter.presentedKey(h("api-key", "tg-3"), target: "/") == "tg-3")
        #expect(IdentityFilter.presentedKey(HTTPHeaders(), target: "/v1beta/models/m:generateContent?key=tg-4") == "tg-4")
        #expect(IdentityFilter.presentedKey(h("Authorization", "Basic abc"), target: "/") == nil)
        #expect(IdentityFilter.redacted("tg-app-key-0001") == "tg-****0001")
    }
}

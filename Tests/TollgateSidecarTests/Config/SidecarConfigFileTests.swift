import Testing
import TollgateConfig
@testable import TollgateSidecar

@Suite struct SidecarConfigFileTests {
    static let env = SecretResolver(environment: ["OPENAI_KEY": "sk-real-1234567890", "APP": "tg-app-secret-1"])

    func decode(_ text: String) throws(ConfigDecodeError) -> SidecarConfigFile {
        let root: ConfigNode
        do { root = try ConfigSource.parse(bytes: Array(text.utf8), file: "t.yaml").root } catch {
            throw ConfigDecodeError(.invalidValue, at: SourceLocation(file: "t.yaml", line: 0, column: 0), "\(error)")
        }
        return try SidecarConfigFile.decode(ConfigDecoder(root, secrets: Self.env), path: "t.yaml", contentHash: "")
    }

    func error(_ text: String) -> String {
        do {
            _ = try decode(text)
            return "no error"
        } catch {
            return error.description
        }
    }

    /// A full file decodes into providers, models with deployments, keys (hashed) and budgets.
    @Test func fullFile() throws {
        let f = try decode("""
        server: {listen: 127.0.0.1:9000, threads: 3, usage_log: /tmp/u.jsonl}
        timeouts: {connect: 250ms, body: 15s, upstream: 2m}
        providers:
          openai: {kind: openai, base_url: https://api.openai.com/v1, api_key: "${OPENAI_KEY}"}
        models:
          fast:
            strategy: least_inflight
            deployments:
              - {provider: openai, model: gpt-4o-mini, weight: 2}
            price: {input: 0.15, output: 0.6, cached_input: 0.075}
        routing: {retries: 1, backoff: 50ms, breaker: {failures: 3, cooldown: 10s}}
        keys:
          - {id: a, key: "${APP}", team: t1, models: [fast]}
        budgets:
          - {id: b1, scope: {team: t1, model: fast}, unit: cost_usd, limit: 2.5, window: day}
        """)
        #expect(f.options.threads == 3 && f.options.listen.port == 9000 && f.options.usageLogPath == "/tmp/u.jsonl")
        #expect(f.options.connectTimeout == 0.25 && f.options.upstreamTimeout == 120 && f.options.bodyTimeout == 15)
        #expect(f.providers.map(\.name) == ["openai"] && f.providers[0].baseURL.basePath == "/v1")
        #expect(f.providers[0].apiKey?.reveal() == "sk-real-1234567890")
        #expect(f.models[0].strategy == .leastInflight && f.models[0].deployments == [.init(provider: "openai", model: "gpt-4o-mini", weight: 2)])
        #expect(f.models[0].price?.input == 150_000 && f.models[0].price?.cachedInput == 75_000)
        #expect(f.routing.retries == 1 && f.routing.breakerFailures == 3 && f.routing.breakerCooldownNanos == 10_000_000_000)
        #expect(f.keys[0].identity == RequestIdentity(keyID: "a", team: "t1", allowedModels: ["fast"]))
        #expect(f.budgets[0].limit == 2_500_000 && f.budgets[0].scope.description == "team=t1+model=fast")
    }

    /// Mistakes are reported at their line and column with what was expected.
    @Test func locatedErrors() {
        #expect(error("providers:\n  p: {kind: openia, base_url: http://x}\n").hasPrefix("t.yaml:2:"))
        #expect(error("providers:\n  p: {kind: openia, base_url: http://x}\n").contains("did you mean 'openai'"))
        #expect(error("models:\n  m:\n    deployments: [{provider: nope}]\n").contains("unknown provider 'nope'; no providers are configured"))
        #expect(error("routing: {retries: 99}\n").contains("t.yaml:1:20"))
        #expect(error("keys:\n  - {id: a, key: short}\n").contains("shorter than 8"))
        #expect(error("keys:\n  - {id: a}\n").contains("needs 'key'"))
        #expect(error("keys:\n  - {id: a, key: \"${MISSING}\"}\n").contains("'MISSING' is not set"))
        #expect(error("budgets:\n  - {id: x, unit: tokens, limit: 5, window: day}\n").contains("t.yaml:2:19: unknown unit 'tokens'"))
        #expect(error("budgets:\n  - {id: x, unit: requests, limit: -5, window: day}\n").contains("t.yaml:2:36"))
        #expect(error("providers:\n  az: {kind: azure, base_url: https://x}\n").contains("api_version"))
        #expect(error("whatever: 1\n").contains("unknown key 'whatever'"))
    }

    /// The same secret for two keys is refused: the identity would be ambiguous.
    @Test func duplicateKeySecrets() {
        #expect(error("keys:\n  - {id: a, key: \"${APP}\"}\n  - {id: b, key: \"${APP}\"}\n").contains("same secret as key 'a'"))
        #expect(error("keys:\n  - {id: a, key: \"${APP}\"}\n  - {id: a, key: other-key-1}\n").contains("duplicate key id 'a'"))
    }

    /// A secret's value never appears in an error about it.
    @Test func secretsNotInErrors() {
        let e = error("providers:\n  p: {kind: openai, base_url: \"${OPENAI_KEY}\"}\n")
        #expect(!e.contains("sk-real-1234567890"))
    }
}

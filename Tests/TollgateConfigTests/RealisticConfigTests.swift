import Foundation
import Testing
@testable import TollgateConfig

/// A full sidecar configuration decoded by a small schema, the way the sidecar will use it.
struct RealisticConfigTests {
    static let text = """
        # tollgate.yaml: sidecar for the checkout service
        ---
        sidecar:
          listen: 127.0.0.1:8787
          admin: 127.0.0.1:9901
          workers: 4
          max_body: 32MiB
          timeouts: {connect: 5s, idle: 90s, total: 10m}

        providers:
          openai:
            kind: openai
            base_url: ${OPENAI_BASE_URL:-https://api.openai.com}
            api_key: ${OPENAI_API_KEY}
          anthropic:
            kind: anthropic
            base_url: "https://api.anthropic.com"
            api_key: file:/run/secrets/anthropic

        models:
          - name: gpt-4o
            provider: openai
            fallback: [claude-sonnet]
          - name: claude-sonnet
            provider: anthropic
            upstream_model: claude-sonnet-4-5

        keys:
          - key: ${CHECKOUT_KEY}
            team: payments
            agent: checkout-bot

        budgets:
          - scope: {team: payments}
            unit: cost_micro_usd
            limit: 50_000_000
            window: day
            partition_policy: fail_closed
          - scope: {key: checkout-bot, model: gpt-4o}
            unit: requests
            limit: 600
            window: minute
            partition_policy: fail_open_bounded
            description: >
              Rate limit for the checkout bot,
              which retries aggressively.
        """

    struct Config {
        struct Provider { var name: String; var kind: String; var baseURL: String; var apiKey: Secret }
        struct Model { var name: String; var provider: String; var fallback: [String]; var upstreamModel: String? }
        struct Budget { var scope: [String: String]; var unit: String; var limit: Int; var window: String; var policy: String }
        var listen: String
        var workers: Int
        var maxBody: Int
        var connectTimeout: Duration
        var providers: [Provider]
        var models: [Model]
        var keys: [(Secret, String)]
        var budgets: [Budget]
    }

    static func decode(_ d: ConfigDecoder) throws(ConfigDecodeError) -> Config {
        let root = try d.mapping(allowedKeys: ["sidecar", "providers", "models", "keys", "budgets"])
        let sidecar = try root.required("sidecar").mapping(allowedKeys: ["listen", "admin", "workers", "max_body", "timeouts"])
        let timeouts = try sidecar.optional("timeouts")?.mapping(allowedKeys: ["connect", "idle", "total"])
        var providers: [Config.Provider] = []
        for (name, _, p) in try root.required("providers").mapping().entries {
            let m = try p.mapping(allowedKeys: ["kind", "base_url", "api_key"])
            providers.append(.init(
                name: name, kind: try m.required("kind").choice(["openai", "anthropic"]),
                baseURL: try m.required("base_url").interpolatedString(), apiKey: try m.required("api_key").secret()))
        }
        let models = try root.required("models").list { (x: ConfigDecoder) throws(ConfigDecodeError) -> Config.Model in
            let m = try x.mapping(allowedKeys: ["name", "provider", "fallback", "upstream_model"])
            return Config.Model(
                name: try m.required("name").string(), provider: try m.required("provider").string(),
                fallback: try m.optional("fallback")?.list { (f: ConfigDecoder) throws(ConfigDecodeError) in try f.string() } ?? [],
                upstreamModel: try m.optional("upstream_model")?.string())
        }
        let keys = try root.required("keys").list { (x: ConfigDecoder) throws(ConfigDecodeError) -> (Secret, String) in
            let m = try x.mapping(allowedKeys: ["key", "team", "agent"])
            return (try m.required("key").secret(), try m.required("team").string())
        }
        let budgets = try root.required("budgets").list { (x: ConfigDecoder) throws(ConfigDecodeError) -> Config.Budget in
            let m = try x.mapping(allowedKeys: ["scope", "unit", "limit", "window", "partition_policy", "description"])
            var scope: [String: String] = [:]
            for (k, _, v) in try m.required("scope").mapping(allowedKeys: ["key", "team", "agent", "model"]).entries {
                scope[k] = try v.string()
            }
            return Config.Budget(
                scope: scope, unit: try m.required("unit").choice(["requests", "tokens", "cost_micro_usd"]),
                limit: try m.required("limit").int(range: 1...Int.max),
                window: try m.required("window").choice(["minute", "hour", "day", "month", "lifetime"]),
                policy: try m.required("partition_policy").choice(["fail_closed", "fail_open_bounded", "fail_open"]))
        }
        return Config(
            listen: try sidecar.required("listen").string(), workers: try sidecar.required("workers").int(range: 1...256),
            maxBody: try sidecar.required("max_body").byteSize(),
            connectTimeout: try timeouts?.optional("connect")?.duration() ?? .seconds(10),
            providers: providers, models: models, keys: keys, budgets: budgets)
    }

    static let env = ["OPENAI_API_KEY": "sk-openai", "CHECKOUT_KEY": "tg-checkout"]
    static let files = ["/run/secrets/anthropic": "sk-ant\n"]

    /// The whole file decodes into the expected values.
    @Test func decodesWholeConfig() throws {
        let c = try Self.decode(try decoder(Self.text, env: Self.env, files: Self.files))
        #expect(c.listen == "127.0.0.1:8787")
        #expect(c.workers == 4)
        #expect(c.maxBody == 32 << 20)
        #expect(c.connectTimeout == .seconds(5))
        #expect(c.providers.map(\.name) == ["openai", "anthropic"])
        #expect(c.providers[0].baseURL == "https://api.openai.com")
        #expect(c.providers[0].apiKey.reveal() == "sk-openai")
        #expect(c.providers[1].apiKey.reveal() == "sk-ant")
        #expect(c.models.map(\.name) == ["gpt-4o", "claude-sonnet"])
        #expect(c.models[0].fallback == ["claude-sonnet"])
        #expect(c.models[1].upstreamModel == "claude-sonnet-4-5")
        #expect(c.keys.map(\.1) == ["payments"])
        #expect(c.keys[0].0.reveal() == "tg-checkout")
        #expect(c.budgets.map(\.limit) == [50_000_000, 600])
        #expect(c.budgets[1].scope == ["key": "checkout-bot", "model": "gpt-4o"])
        #expect(c.budgets[1].policy == "fail_open_bounded")
    }

    /// Mistakes in the realistic file produce errors at the right place.
    @Test func realisticMistakes() throws {
        func fail(_ from: String, _ to: String, env: [String: String] = Self.env) -> String {
            let text = Self.text.replacingOccurrences(of: from, with: to)
            do {
                _ = try Self.decode(try decoder(text, env: env, files: Self.files))
                return "no error"
            } catch let e as ConfigParseError {
                return e.description
            } catch let e as ConfigDecodeError {
                return e.description
            } catch {
                return "\(error)"
            }
        }
        #expect(fail("    partition_policy: fail_open_bounded", "    partition_polcy: fail_open_bounded")
            == "t.yaml:43:5: unknown key 'partition_polcy' in 'budgets[1]' (did you mean 'partition_policy'?)")
        #expect(fail("  workers: 4", "  workers: 400") == "t.yaml:6:12: expected an integer in 1...256, found 400")
        #expect(fail("idle: 90s", "idle: 90 seconds") == "no error")
        #expect(fail("connect: 5s", "connect: 5sec") == "t.yaml:8:23: invalid duration '5sec': unknown unit 'sec' (use ms, s, m, h or d)")
        #expect(fail("    window: minute", "    window: minutes") == "t.yaml:42:13: unknown value 'minutes' (did you mean 'minute'?)")
        #expect(fail("", "", env: ["CHECKOUT_KEY": "x"])
            == "t.yaml:14:14: environment variable 'OPENAI_API_KEY' is not set (write '${OPENAI_API_KEY:-default}' for a default)")
        #expect(fail("    kind: anthropic\n", "    kind: anthropic\n  \tx: 1\n") == "t.yaml:17:3: tab character in indentation; indent with spaces")
        #expect(fail("  - name: claude-sonnet", "  - name: claude-sonnet\n   provider: x") == "t.yaml:25:4: inconsistent indentation: expected 4 spaces")
    }
}

import Testing
import TollgateConfig
import TollgateTransport
@testable import TollgateSidecar

struct EgressSettingsTests {
    func decode(_ yaml: String, env: [String: String] = [:]) throws -> EgressSettings {
        let (root, _) = try ConfigSource.parse(bytes: Array(yaml.utf8), file: "t.yaml")
        let m = try ConfigDecoder(root, secrets: SecretResolver(environment: env)).mapping(allowedKeys: ["egress"])
        return try EgressSettings.decode(m.required("egress"))
    }

    /// Every key of the section decodes; proxy_auth is a redacted secret from the environment.
    @Test func decodesSection() throws {
        let s = try decode("""
        egress:
          listen: 127.0.0.1:3128
          allow: [api.github.com, "*.corp.test"]
          strict: true
          intercept: [api.openai.com, llm.corp.test]
          ca_cert: /ca/ca.pem
          ca_key: /ca/ca.key
          proxy_auth: ${PROXY_AUTH}
          resolve:
            api.openai.com: 127.0.0.1:8443
          leaf_validity: 12h
        """, env: ["PROXY_AUTH": "agent:pw"])
        let listen = try SocketAddress(parsing: "127.0.0.1:3128")
        #expect(s.enabled && s.strict && s.listen == listen)
        #expect(s.allow.map(\.text) == ["api.github.com", "*.corp.test"])
        #expect(s.interceptHosts == ["api.openai.com", "llm.corp.test"])
        #expect(s.caCertFile == "/ca/ca.pem" && s.caKeyFile == "/ca/ca.key")
        #expect(s.proxyAuth?.reveal() == "agent:pw" && "\(s.proxyAuth!)" == "<secret>")
        let pinned = try SocketAddress(parsing: "127.0.0.1:8443")
        #expect(s.resolve["api.openai.com"] == pinned)
        #expect(s.leafValiditySeconds == 12 * 3600)
        #expect(s.isIntercepted("LLM.corp.test") && !s.isIntercepted("api.anthropic.com"))
    }

    /// An empty section turns egress on with the default provider hosts; no CA means no interception.
    @Test func defaults() throws {
        let s = try decode("egress: {}\n")
        #expect(s.enabled && !s.strict && s.interceptHosts == EgressSettings.defaultInterceptHosts)
        #expect(!s.interceptsTLS && !s.isIntercepted("api.openai.com") && s.allows("anything.test"))
    }

    /// Mistakes are reported at their place: unknown keys, bad patterns, a CA half given, wildcards to intercept.
    @Test func errors() throws {
        #expect(throws: ConfigDecodeError.self) { try decode("egress:\n  stric: true\n") }
        #expect(throws: ConfigDecodeError.self) { try decode("egress:\n  allow: [\"a..b\"]\n") }
        #expect(throws: ConfigDecodeError.self) { try decode("egress:\n  ca_cert: /x.pem\n") }
        #expect(throws: ConfigDecodeError.self) { try decode("egress:\n  intercept: [\"*.openai.com\"]\n") }
        #expect(throws: ConfigDecodeError.self) { try decode("egress:\n  resolve: {a.test: nowhere}\n") }
    }

    /// The configuration file's section lands in the options, where flags then add to it.
    @Test func configFileSection() throws {
        let yaml = "egress:\n  strict: true\n  allow: [a.test]\n"
        let (root, hash) = try ConfigSource.parse(bytes: Array(yaml.utf8), file: "t.yaml")
        let file = try SidecarConfigFile.decode(ConfigDecoder(root, secrets: SecretResolver(environment: [:])), path: "t.yaml", contentHash: hash)
        #expect(file.options.egress.enabled && file.options.egress.strict && file.options.egress.allow.map(\.text) == ["a.test"])
        var o = file.options
        var r = ArgumentReader(["--egress-allow", "b.test"])
        #expect(try o.egress.apply(flag: r.nextFlag(), &r))
        #expect(o.egress.allow.map(\.text) == ["a.test", "b.test"])
    }

    /// Flags map onto the same settings and turn egress on.
    @Test func flags() throws {
        let o = try SidecarCommand.parse(["--egress-allow", "a.test,*.b.test", "--egress-strict", "--egress-intercept", "LLM.corp.test",
                                          "--egress-resolve", "llm.corp.test=127.0.0.1:9443", "--egress-proxy-auth", "u:p"])
        #expect(o.egress.enabled && o.egress.strict && o.egress.allow.count == 2)
        #expect(o.egress.interceptHosts.last == "llm.corp.test" && o.egress.resolve["llm.corp.test"] != nil)
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--egress-ca-cert", "x.pem"]) }
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--egress-resolve", "nohost"]) }
        #expect(try !SidecarCommand.parse([]).egress.enabled)
    }
}

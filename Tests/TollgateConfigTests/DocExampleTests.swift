import Testing
@testable import TollgateConfig

struct DocExampleTests {
    /// The decoding example in docs/configuration.md compiles and works.
    @Test func configurationDocExample() throws {
        let root = try parse("listen: 127.0.0.1:8787\nupstream: https://${HOST}\napi_key: ${KEY}\nmodels: [a, b]\n")
        let config = ConfigDecoder(root, secrets: SecretResolver(environment: ["HOST": "api.example", "KEY": "k"]))
        let top = try config.mapping(allowedKeys: ["listen", "upstream", "timeout", "api_key", "models"])
        let listen = try top.required("listen").string()
        let upstream = try top.required("upstream").interpolatedString()
        let timeout = try top.optional("timeout")?.duration() ?? .seconds(30)
        let apiKey = try top.required("api_key").secret()
        let models = try top.optional("models")?.list { (m: ConfigDecoder) throws(ConfigDecodeError) in
            try m.string()
        } ?? []
        #expect(listen == "127.0.0.1:8787")
        #expect(upstream == "https://api.example")
        #expect(timeout == .seconds(30))
        #expect("\(apiKey)" == "<secret>" && apiKey.reveal() == "k")
        #expect(models == ["a", "b"])
        _ = ConfigDecoder(root, secrets: .system())
    }
}

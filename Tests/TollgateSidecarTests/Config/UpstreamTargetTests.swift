import Testing
@testable import TollgateSidecar

struct UpstreamTargetTests {
    /// Scheme, host, port and base path are parsed; default ports are implied.
    @Test func parsesURLs() throws {
        let a = try UpstreamTarget(parsing: "http://127.0.0.1:18000")
        #expect(a.scheme == "http" && a.host == "127.0.0.1" && a.port == 18000 && a.basePath == "")
        #expect(a.authority == "127.0.0.1:18000")
        let b = try UpstreamTarget(parsing: "https://api.openai.com/v1/")
        #expect(b.port == 443 && b.basePath == "/v1" && b.authority == "api.openai.com" && b.isTLS)
        let c = try UpstreamTarget(parsing: "http://[::1]:8080/x")
        #expect(c.host == "::1" && c.authority == "[::1]:8080")
    }

    /// Bad URLs are refused with a message that names the problem.
    @Test func refusesBadURLs() {
        #expect(throws: ConfigError.self) { try UpstreamTarget(parsing: "ftp://x") }
        #expect(throws: ConfigError.self) { try UpstreamTarget(parsing: "http://:80") }
        #expect(throws: ConfigError.self) { try UpstreamTarget(parsing: "http://h:99999") }
        #expect(throws: ConfigError.self) { try UpstreamTarget(parsing: "http://user:pw@h") }
        #expect(throws: ConfigError.self) { try UpstreamTarget(parsing: "http://h/p?q=1") }
    }
}

import Testing
import TollgateTransport
@testable import TollgateSidecar

struct EgressResolverTests {
    /// Overrides win for any port and IP literals need no lookup; unknown names are not known.
    @Test func overridesAndLiterals() throws {
        let pinned = try SocketAddress(parsing: "127.0.0.1:9443")
        let r = EgressResolver(overrides: ["api.openai.com": pinned])
        #expect(r.known(host: "API.openai.com", port: 443) == [pinned])
        #expect(r.known(host: "10.1.2.3", port: 80) == [try SocketAddress(parsing: "10.1.2.3:80")])
        #expect(r.known(host: "never.resolved.test", port: 443) == nil)
    }
}

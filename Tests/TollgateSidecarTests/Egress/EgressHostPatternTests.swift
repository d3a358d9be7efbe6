import Testing
@testable import TollgateSidecar

struct EgressHostPatternTests {
    /// Exact patterns match the host only, ignoring case and a trailing dot.
    @Test func exact() throws {
        let p = try EgressHostPattern("API.openai.com")
        #expect(p.matches("api.openai.com") && p.matches("Api.OpenAI.com.") )
        #expect(!p.matches("xapi.openai.com") && !p.matches("openai.com") && !p.matches("api.openai.com.evil"))
    }

    /// "*.example.com" matches subdomains at any depth but not the apex or look-alikes.
    @Test func wildcard() throws {
        let p = try EgressHostPattern("*.example.com")
        #expect(p.matches("a.example.com") && p.matches("a.b.example.com"))
        #expect(!p.matches("example.com") && !p.matches("badexample.com") && !p.matches("example.com.evil"))
        #expect(try EgressHostPattern("*").matches("anything.test"))
    }

    /// Malformed patterns are refused.
    @Test func refusesMalformed() {
        for bad in ["", "*.", "a..b", "a*.b.com", "exa mple.com", "*.*.com", "a/b"] {
            #expect(throws: ConfigError.self) { try EgressHostPattern(bad) }
        }
    }
}

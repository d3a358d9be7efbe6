import Testing
import TollgateTransport
@testable import TollgateSidecar

struct LeafCertificateCacheTests {
    static let now: Int64 = 1_800_000_000

    func cache(hosts: Set<String>, capacity: Int = 4) throws -> LeafCertificateCache {
        let ca = try CertificateAuthority.create(commonName: "Cache CA", days: 1, now: Self.now)
        return LeafCertificateCache(authority: ca, hosts: hosts, validitySeconds: 86400, capacity: capacity)
    }

    /// One mint per host, reused until an hour before expiry, then renewed.
    @Test func reusesAndRenews() throws {
        let c = try cache(hosts: ["api.openai.com"])
        let a = try c.context(for: "api.openai.com", now: Self.now)
        let b = try c.context(for: "API.openai.com.", now: Self.now + 3600)
        #expect(a === b)
        let renewed = try c.context(for: "api.openai.com", now: Self.now + 86400 - 3599)
        #expect(renewed !== a && c.count == 1)
    }

    /// Hosts not configured for interception never get a certificate.
    @Test func refusesUnconfiguredHosts() throws {
        let c = try cache(hosts: ["api.openai.com"])
        #expect(throws: TransportError.self) { try c.context(for: "example.com", now: Self.now) }
        #expect(throws: TransportError.self) { try c.context(for: "x.api.openai.com", now: Self.now) }
        #expect(c.count == 0)
    }

    /// The cache is bounded: the least recently used host goes first.
    @Test func bounded() throws {
        let hosts: Set<String> = ["a.test", "b.test", "c.test"]
        let c = try cache(hosts: hosts, capacity: 2)
        let a = try c.context(for: "a.test", now: Self.now)
        _ = try c.context(for: "b.test", now: Self.now)
        #expect(try c.context(for: "a.test", now: Self.now) === a)
        _ = try c.context(for: "c.test", now: Self.now)  // evicts b.test
        #expect(c.count == 2)
        #expect(try c.context(for: "a.test", now: Self.now) === a)
    }
}

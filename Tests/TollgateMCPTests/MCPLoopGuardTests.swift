import Testing
import TollgateJSON
@testable import TollgateMCP

struct MCPLoopGuardTests {
    let settings = MCPLoopGuardSettings(maxRepeats: 3, windowNanos: 60_000_000_000)
    let s: UInt64 = 1_000_000_000

    /// N identical calls pass; the next within the window is refused; after the window it passes.
    @Test func refusesTheRepeatAfterN() {
        var g = MCPLoopGuard()
        let t0: UInt64 = 1000 * s
        for i in 0..<3 { #expect(g.admit(key: "k", settings: settings, now: t0 + UInt64(i) * s).admitted) }
        let r = g.admit(key: "k", settings: settings, now: t0 + 10 * s)
        #expect(!r.admitted && r.seen == 3)
        // Other keys are independent.
        #expect(g.admit(key: "other", settings: settings, now: t0 + 10 * s).admitted)
        // The first call leaves the window 60 s after it was made.
        #expect(!g.admit(key: "k", settings: settings, now: t0 + 60 * s - 1).admitted)
        #expect(g.admit(key: "k", settings: settings, now: t0 + 60 * s).admitted)
    }

    /// Memory is bounded: beyond maxKeys the oldest keys go.
    @Test func bounded() {
        var g = MCPLoopGuard(maxKeys: 10)
        for i in 0..<100 { _ = g.admit(key: "k\(i)", settings: settings, now: 1000 * s + UInt64(i)) }
        #expect(g.trackedKeys <= 10)
        // The most recent key is still counted.
        _ = g.admit(key: "k99", settings: settings, now: 1000 * s + 200)
        _ = g.admit(key: "k99", settings: settings, now: 1000 * s + 201)
        #expect(!g.admit(key: "k99", settings: settings, now: 1000 * s + 202).admitted)
    }

    /// Digests ignore member order and whitespace but not values; absent arguments equal {}.
    @Test func digest() throws {
        let a = try JSONValue(parsing: #"{"a":1,"b":{"y":[1,2],"x":"s"}}"#)
        let b = try JSONValue(parsing: #"{ "b": {"x": "s", "y": [1, 2]}, "a": 1 }"#)
        let c = try JSONValue(parsing: #"{"a":2,"b":{"y":[1,2],"x":"s"}}"#)
        #expect(MCPArgumentDigest.digest(a) == MCPArgumentDigest.digest(b))
        #expect(MCPArgumentDigest.digest(a) != MCPArgumentDigest.digest(c))
        #expect(MCPArgumentDigest.digest(nil) == MCPArgumentDigest.digest(.object([])))
        #expect(MCPArgumentDigest.digest(a).hasPrefix("sha256:") && MCPArgumentDigest.digest(a).utf8.count == 71)
        // Known value: SHA-256 of "{}".
        #expect(MCPArgumentDigest.digest(nil) == "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
    }
}

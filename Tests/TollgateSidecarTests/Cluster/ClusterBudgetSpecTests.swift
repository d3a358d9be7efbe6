import Testing
import TollgateBudget
import TollgateSync
@testable import TollgateSidecar

struct ClusterBudgetSpecTests {
    static let day20780: UTCNanos = 20_780 * 86_400 * 1_000_000_000 + 5

    /// A flag spec becomes a cluster budget whose scope names unit and window, with a coordinator-minted window id.
    @Test func parsesSpecIntoScopeAndWindow() throws {
        let b = try ClusterBudgetSpec.parse("total_tokens=100k/day", now: Self.day20780)
        #expect(b.scope == "all|total_tokens|day")
        #expect(b.limit == 100_000)
        #expect(b.window == 20_781)
        #expect(b.policy == .failClosed)
        let life = try ClusterBudgetSpec.parse("cost_usd=2.5/lifetime", policy: .failOpen, now: Self.day20780)
        #expect((life.scope, life.window, life.limit, life.policy) == ("all|cost_micros|lifetime", 1, 2_500_000, .failOpen))
    }

    /// Units and windows that cannot be shared across sidecars are refused with a reason.
    @Test func refusesRatesAndGauges() {
        #expect(throws: ConfigError.self) { try ClusterBudgetSpec.parse("requests=10/minute", now: 0) }
        #expect(throws: ConfigError.self) { try ClusterBudgetSpec.parse("concurrent=8", now: 0) }
        #expect(throws: ConfigError.self) { try ClusterBudgetSpec.parse("total_tokens=lots/day", now: 0) }
        #expect(throws: ConfigError.self) { try ClusterBudgetSpec.parse("requests=10/day", policy: .failOpenBounded, reservePerNode: 10, now: 0) }
    }

    /// Scopes, admin path ids and policies round-trip.
    @Test func scopesPathIDsAndPolicies() {
        #expect(ClusterBudgetSpec.parseScope("all|requests|hour")?.unit == .requests)
        #expect(ClusterBudgetSpec.parseScope("team:a|requests|hour") == nil)
        #expect(ClusterBudgetSpec.parseScope("all|bananas|day") == nil)
        #expect(ClusterBudgetSpec.pathID(ofScope: "all|total_tokens|month") == "total_tokens/month")
        #expect(ClusterBudgetSpec.scope(fromPathID: "total_tokens/month") == "all|total_tokens|month")
        #expect(ClusterBudgetSpec.scope(fromPathID: "total_tokens") == nil)
        for p in PartitionPolicy.allCases { #expect(ClusterBudgetSpec.policy(named: ClusterBudgetSpec.name(p)) == p) }
        #expect(ClusterBudgetSpec.policy(named: "sometimes") == nil)
    }

    /// Window ids grow across a calendar boundary and stay put within a window.
    @Test func windowIDsFollowTheCalendar() {
        let h = ClusterBudgetSpec.windowID(.hour, at: 3_600_000_000_000 * 10)
        #expect(ClusterBudgetSpec.windowID(.hour, at: 3_600_000_000_000 * 10 + 3_599_000_000_000) == h)
        #expect(ClusterBudgetSpec.windowID(.hour, at: 3_600_000_000_000 * 11) == h + 1)
        #expect(ClusterBudgetSpec.windowID(.lifetime, at: 123) == 1)
    }
}

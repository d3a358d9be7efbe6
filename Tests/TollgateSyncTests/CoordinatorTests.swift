import Testing
@testable import TollgateSync

struct CoordinatorTests {
    static let budget = ClusterBudget(scope: Fx.key.scope, window: Fx.key.window, limit: 10_000)

    func request(_ holder: NodeIdentity, need: Int64, rate: Int64 = 0, id: UInt64 = 1) -> SyncMessage {
        .leaseRequest(LeaseRequest(key: Fx.key, holder: holder, requestID: id, need: need, ratePerSecond: rate))
    }

    /// Grants never push used + outstanding past the limit, whatever is asked.
    @Test func neverOvercommits() {
        var config = SyncConfig()
        config.minLease = 100
        var c = Coordinator(identity: Fx.c0, config: config, coordinators: ["c0"], budgets: [Self.budget], now: 0, learning: false)
        var rng = SeededRandom(seed: 11)
        var granted: Int64 = 0
        for i in 0..<2_000 {
            let h = NodeIdentity(nodeID: "s\(rng.below(20))", epoch: 1)
            for o in c.receive(request(h, need: Int64(rng.below(900)), rate: Int64(rng.below(5_000)), id: UInt64(i)), now: Int64(i) * 1_000_000) {
                if case .leaseGrant(let g) = o.message { granted += g.amount }
            }
            #expect(c.ledger.totalCharge(Fx.key) <= Self.budget.limit)
        }
        #expect(granted == c.ledger.totalCharge(Fx.key))
        #expect(c.worstGrantOvercommit <= 0)
        #expect(c.remaining(Fx.key) < 900)   // spent down to less than one request
    }

    /// A restarted coordinator refuses to grant for one lease expiry period, then grants.
    @Test func learningMode() {
        var c = Coordinator(identity: Fx.c0, config: SyncConfig(), coordinators: ["c0"], budgets: [Self.budget], now: 1_000)
        let out = c.receive(request(Fx.s1, need: 10), now: 2_000)
        guard case .leaseDenied(let d) = out.first?.message else { Issue.record("expected a denial"); return }
        #expect(d.reason == .learning)
        #expect(d.retryAfter == SyncConfig().coordinatorExpiry - 1_000)
        let later = c.receive(request(Fx.s1, need: 10, id: 2), now: 1_000 + SyncConfig().coordinatorExpiry)
        guard case .leaseGrant = later.first?.message else { Issue.record("expected a grant"); return }
    }

    /// Reports rebuild the ledger during learning; custody copies count like the holder's own.
    @Test func rebuildsFromReports() {
        var c = Coordinator(identity: Fx.c0, config: SyncConfig(), coordinators: ["c0"], budgets: [Self.budget], now: 0)
        let old = NodeIdentity(nodeID: "c0", epoch: 1)
        let e = LedgerEntry(key: Fx.key, holder: Fx.s2, issuer: old, granted: 4_000, returned: 500, spent: 3_000)
        _ = c.receive(.usageReport(UsageReport(sender: Fx.s1, seq: 1, budgetsVersion: 0, entries: [], custody: [e])), now: 10)
        _ = c.receive(.usageReport(UsageReport(sender: Fx.s1, seq: 1, budgetsVersion: 0, entries: [], custody: [e])), now: 11)
        #expect(c.remaining(Fx.key) == 10_000 - 3_500)
        #expect(c.knownSpent(Fx.key) == 3_000)
    }

    /// Lease size follows demand (about 2 x rate x refresh), clamped by a fair share.
    @Test func adaptiveSizing() {
        var config = SyncConfig()
        config.minLease = 10
        let big = ClusterBudget(scope: Fx.key.scope, window: Fx.key.window, limit: 1_000_000)
        var c = Coordinator(identity: Fx.c0, config: config, coordinators: ["c0"], budgets: [big], now: 0, learning: false)
        func amount(_ out: [OutboundMessage]) -> Int64 {
            for o in out { if case .leaseGrant(let g) = o.message { return g.amount } }
            return -1
        }
        #expect(amount(c.receive(request(Fx.s1, need: 0, rate: 1_000), now: 0)) == 2_000)
        // A huge rate is clamped to the fair share of what remains.
        let a = amount(c.receive(request(Fx.s2, need: 0, rate: 10_000_000, id: 2), now: 1))
        #expect(a == (1_000_000 - 2_000) / 4)
    }

    /// Near exhaustion grants shrink to per-request; prefetch is refused; too-large needs are exhausted.
    @Test func endGame() {
        var config = SyncConfig()
        config.minLease = 1_000
        var c = Coordinator(identity: Fx.c0, config: config, coordinators: ["c0"], budgets: [Self.budget], now: 0, learning: false)
        _ = c.receive(.usageReport(UsageReport(sender: Fx.s1, seq: 1, budgetsVersion: 0,
            entries: [LedgerEntry(key: Fx.key, holder: Fx.s1, issuer: Fx.c0, granted: 0, returned: 0, spent: 9_000)], custody: [])), now: 0)
        let g = c.receive(request(Fx.s2, need: 300), now: 1)
        guard case .leaseGrant(let grant) = g.first?.message else { Issue.record("expected grant"); return }
        #expect(grant.amount == 300 && grant.tight)
        guard case .leaseDenied(let d1) = c.receive(request(Fx.s2, need: 0, id: 2), now: 2).first?.message else { Issue.record(); return }
        #expect(d1.reason == .tight)
        guard case .leaseDenied(let d2) = c.receive(request(Fx.s2, need: 900, id: 3), now: 3).first?.message else { Issue.record(); return }
        #expect(d2.reason == .exhausted && d2.remaining == 700)
    }

    /// Budget definitions travel with report acks when the sidecar's version is stale.
    @Test func definitionsBySync() {
        var c = Coordinator(identity: Fx.c0, config: SyncConfig(), coordinators: ["c0"], budgets: [Self.budget], now: 0, learning: false)
        var out = c.receive(.usageReport(UsageReport(sender: Fx.s1, seq: 1, budgetsVersion: 0, entries: [], custody: [])), now: 0)
        #expect(out.contains { if case .budgetDefinitions(let d) = $0.message { d.budgets.first?.limit == 10_000 } else { false } })
        var changed = Self.budget
        changed.limit = 20_000
        c.setBudget(changed)
        out = c.receive(.usageReport(UsageReport(sender: Fx.s1, seq: 2, budgetsVersion: 1, entries: [], custody: [])), now: 1)
        #expect(out.contains { if case .budgetDefinitions(let d) = $0.message { d.version == 2 && d.budgets.first?.limit == 20_000 } else { false } })
        out = c.receive(.usageReport(UsageReport(sender: Fx.s1, seq: 3, budgetsVersion: 2, entries: [], custody: [])), now: 2)
        #expect(out.count == 1)
    }

    /// Keys are owned by exactly one coordinator (rendezvous); others refuse with notOwner.
    @Test func ownership() {
        let set = ["c0", "c1", "c2"]
        let owner = Rendezvous.owner(of: Fx.key.scope, among: set)!
        let other = set.first { $0 != owner }!
        var c = Coordinator(identity: NodeIdentity(nodeID: other, epoch: 1), config: SyncConfig(), coordinators: set,
                            budgets: [Self.budget], now: 0, learning: false)
        guard case .leaseDenied(let d) = c.receive(request(Fx.s1, need: 1), now: 0).first?.message else { Issue.record(); return }
        #expect(d.reason == .notOwner)
        #expect(Rendezvous.ranked(Fx.key.scope, among: set).first == owner)
    }
}

import Testing
@testable import TollgateSync

struct FailoverTests {
    static let budget = ClusterBudget(scope: Fx.key.scope, window: Fx.key.window, limit: 100_000)

    static func failover(_ m: Int, seeds: Int, first: UInt64, spread: Int64 = 300_000_000) -> SimulationReport {
        var o = SimulationOptions(sidecars: 5, coordinators: m, seeds: seeds, faults: .failover)
        o.firstSeed = first
        o.baseline = false
        o.setAdoptionSpread = spread
        o.sync.setChangeSpread = spread
        return runSimulations(o)
    }

    /// A coordinator lost for good and one added: keys change owner, overspend stays 0.
    @Test(arguments: [2, 3])
    func ownershipMovesWithoutOverspend(_ m: Int) {
        let r = Self.failover(m, seeds: 8, first: 300)
        #expect(r.ownershipMoves > 0)
        #expect(r.overspendTokensMax == 0, "failing seeds \(r.failingSeeds)")
        #expect(r.invariantViolations == 0)
        #expect(r.grantResumeSecondsMax > 0)
    }

    /// Coordinators adopting a new set seconds apart (old owners keep granting meanwhile): the
    /// terms fence them, overspend stays 0.
    @Test func slowSetAdoptionIsFenced() {
        let r = Self.failover(3, seeds: 6, first: 40, spread: 3_000_000_000)
        #expect(r.ownershipMoves > 0)
        #expect(r.overspendTokensMax == 0, "failing seeds \(r.failingSeeds)")
    }

    /// A sidecar on a later term hands a grant from the superseded owner straight back.
    @Test func sidecarRefusesSupersededGrant() {
        var s = SidecarSyncState(identity: Fx.s1, coordinators: ["c0", "c1"], peers: [], seed: 1, now: 0)
        let owner = Rendezvous.owner(of: Fx.key.scope, among: ["c0", "c1"])!
        let defs = BudgetDefinitions(coordinator: NodeIdentity(nodeID: owner, epoch: 1), version: 1, budgets: [Self.budget],
                                     term: 2, members: ["c0", "c1"])
        _ = s.receive(.budgetDefinitions(defs), now: 0)
        #expect(s.term == 2)
        #expect(s.tryAdmit(Fx.key.scope, amount: 100, now: 1) == .wait)
        guard case .leaseRequest(let req)? = s.takeOutbound().first?.message ?? nil else { Issue.record("no request"); return }
        #expect(req.term == 2)
        var grant = LeaseGrant(key: Fx.key, holder: Fx.s1, requestID: req.requestID, issuer: NodeIdentity(nodeID: owner, epoch: 1),
                               amount: 5_000, granted: 5_000, ttl: 3_500_000_000, term: 1)
        _ = s.receive(.leaseGrant(grant), now: 2)
        #expect(s.heldEscrow(Fx.key.scope) == 0)
        #expect(s.entries(Fx.key.scope).first?.returned == 5_000)
        // The same grant under the current term from the owner is accepted (k = 0 here: no peers).
        grant.term = 2
        grant.granted = 10_000
        _ = s.receive(.leaseGrant(grant), now: 3)
        #expect(s.heldEscrow(Fx.key.scope) == 5_000)
    }

    /// A coordinator that sees a later term stops granting; one that gains a key learns it first;
    /// one that loses a key stops granting it at once.
    @Test func coordinatorFencing() {
        let members = ["c0", "c1"]
        let owner = Rendezvous.owner(of: Fx.key.scope, among: members)!
        let other = members.first { $0 != owner }!
        var config = SyncConfig()
        config.setChangeSpread = 1_000_000_000
        func request(_ term: UInt64, id: UInt64) -> SyncMessage {
            .leaseRequest(LeaseRequest(key: Fx.key, holder: Fx.s1, requestID: id, need: 100, ratePerSecond: 0, term: term))
        }
        func reply(_ out: [OutboundMessage]) -> SyncMessage? { out.first?.message }

        // The owner of a one-coordinator set grants; a sidecar on term 2 fences it.
        var solo = Coordinator(identity: NodeIdentity(nodeID: owner, epoch: 1), config: config, coordinators: [owner],
                               budgets: [Self.budget], now: 0, learning: false, term: 1)
        guard case .leaseGrant(let g)? = reply(solo.receive(request(1, id: 1), now: 10)) else { Issue.record("no grant"); return }
        #expect(g.term == 1)
        guard case .leaseDenied(let d)? = reply(solo.receive(request(2, id: 2), now: 20)) else { Issue.record("granted"); return }
        #expect(d.reason == .notOwner)
        #expect(solo.isFenced)
        guard case .leaseDenied? = reply(solo.receive(request(1, id: 3), now: 30)) else { Issue.record("granted while fenced"); return }

        // The other coordinator gains the key with the set [other] (term 2): it learns first.
        var gainer = Coordinator(identity: NodeIdentity(nodeID: other, epoch: 1), config: config, coordinators: members,
                                 budgets: [Self.budget], now: 0, learning: false, term: 1)
        gainer.setCoordinators([other], term: 2, now: 100)
        guard case .leaseDenied(let l)? = reply(gainer.receive(request(2, id: 4), now: 200)) else { Issue.record("granted while learning"); return }
        #expect(l.reason == .learning)
        let after = 100 + config.coordinatorExpiry + config.setChangeSpread
        guard case .leaseGrant? = reply(gainer.receive(request(2, id: 5), now: after)) else { Issue.record("no grant after learning"); return }

        // The former owner adopts the set too: it no longer owns the key.
        solo.setCoordinators([other], term: 2, now: 300)
        #expect(!solo.isFenced)
        guard case .leaseDenied(let n)? = reply(solo.receive(request(2, id: 6), now: 400)) else { Issue.record("granted a lost key"); return }
        #expect(n.reason == .notOwner)
    }
}

extension FailoverTests {
    /// A sidecar follows a re-resolved coordinator name only when no coordinator of its set has answered for unreachableAfter (all replaced at new addresses).
    @Test func resolvedSetAdoptedOnlyWhenSetUnreachable() {
        var s = SidecarSyncState(identity: Fx.s1, coordinators: ["10.0.0.1:7700"], seed: 1, now: 0)
        let after = SyncConfig().unreachableAfter
        do { let r = s.observeResolvedSet(["10.0.0.9:7700"], now: after / 2); #expect(!r) }          // the old one may still answer
        do { let r = s.observeResolvedSet(["10.0.0.1:7700"], now: after * 2); #expect(!r) }          // same set
        do { let r = s.observeResolvedSet([], now: after * 2); #expect(!r) }                         // no answer changes nothing
        do { let r = s.observeResolvedSet(["10.0.0.9:7700", "10.0.0.9:7700"], now: after * 2); #expect(r) }
        #expect(s.coordinators == ["10.0.0.9:7700"])
        #expect(s.owner(of: Fx.key.scope) == "10.0.0.9:7700")
        #expect(s.term == 0)                                                        // terms come from coordinators only
        do { let r = s.observeResolvedSet(["10.0.0.7:7700"], now: after * 2 + 1); #expect(!r) }    // the new one counts as reachable at first
    }
}

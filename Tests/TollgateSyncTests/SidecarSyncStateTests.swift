import Testing
@testable import TollgateSync

struct SidecarSyncStateTests {
    static func budget(_ policy: PartitionPolicy = .failClosed, limit: Int64 = 100_000, reserve: Int64 = 0) -> ClusterBudget {
        ClusterBudget(scope: Fx.key.scope, window: Fx.key.window, limit: limit, policy: policy, reservePerNode: reserve)
    }

    static func config() -> SyncConfig {
        var c = SyncConfig()
        c.minLease = 1_000
        return c
    }

    /// Budget definitions reach sidecars through their reports; until then admission waits.
    @Test func definitionsArriveBySync() {
        var m = MiniCluster(sidecars: 3, budget: Self.budget(), config: Self.config())
        #expect(m.admit("s0", 10) == .wait)
        m.advance(1)
        #expect(m.sidecars["s0"]!.budget(Fx.key.scope)?.limit == 100_000)
        #expect(m.admit("s0", 10, scope: "no-such-budget") == .refused(.unknownBudget))
    }

    /// A grant is spent only after k custodians acknowledged it.
    @Test func spendsOnlyAfterCustodianAcks() {
        var m = MiniCluster(sidecars: 3, budget: Self.budget(), config: Self.config())
        m.advance(1)
        m.drop = { _, msg in if case .leaseAck = msg.message { true } else { false } }
        #expect(m.admit("s0", 500) == .wait)
        #expect(m.sidecars["s0"]!.leases(Fx.key.scope).count == 1)
        #expect(m.admit("s0", 500) == .wait)              // granted, not yet acknowledged
        #expect(m.sidecars["s1"]!.custody.totalCharge(Fx.key) > 0)   // but custodians know it
        m.drop = { _, _ in false }
        m.advance(200_000_000)                            // announce retry -> acks
        if case .admitted = m.admit("s0", 500) {} else { Issue.record("expected admission after acks") }
    }

    /// Duplicate and reordered grants never add escrow; a gap is written off (returned).
    @Test func grantRangesAreIdempotent() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(), config: Self.config())
        m.advance(1)
        _ = m.admit("s0", 100)
        var s = m.sidecars["s0"]!
        let before = s.leases(Fx.key.scope).reduce(0) { $0 + $1.amount }
        let g = LeaseGrant(key: Fx.key, holder: s.identity, requestID: 999, issuer: m.coordinator.identity, amount: 1_000,
                           granted: 1_000, ttl: 4_000_000_000)
        _ = s.receive(.leaseGrant(g), now: m.now)         // stale range: ignored
        #expect(s.leases(Fx.key.scope).reduce(0) { $0 + $1.amount } == before)
        // A grant far above the watermark: the gap is returned, and the unknown request too.
        let top = s.entries(Fx.key.scope).first!.granted
        let far = LeaseGrant(key: Fx.key, holder: s.identity, requestID: 12345, issuer: m.coordinator.identity, amount: 500,
                             granted: top + 5_500, ttl: 4_000_000_000)
        _ = s.receive(.leaseGrant(far), now: m.now)
        let e = s.entries(Fx.key.scope).first!
        #expect(e.granted == top + 5_500)
        #expect(e.returned == 5_500)
    }

    /// fail_closed: with the coordinator gone, held escrow is spent, then admissions are refused.
    @Test func failClosedPartition() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(.failClosed), config: Self.config())
        m.advance(1)
        _ = m.admitWaiting("s0", 100)
        m.drop = { _, msg in msg.to == "c0" }
        var admitted: Int64 = 0
        while case .admitted = m.admit("s0", 100) { admitted += 100 }
        m.advance(SyncConfig().unreachableAfter + 1)
        #expect(m.admit("s0", 100) == .refused(.coordinatorUnreachable))
        #expect(admitted > 0)
    }

    /// fail_open_bounded: the escrowed reserve is spent only while the coordinator is unreachable.
    @Test func failOpenBoundedReserve() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(.failOpenBounded, reserve: 3_000), config: Self.config())
        m.advance(1)
        _ = m.admitWaiting("s0", 100)
        #expect(m.sidecars["s0"]!.leases(Fx.key.scope).contains { $0.isReserve && $0.available == 3_000 })
        m.drop = { _, msg in msg.to == "c0" }
        m.advance(SyncConfig().unreachableAfter + 1)      // leases expire / are returned; coordinator silent
        var admitted: Int64 = 0
        while case .admitted = m.admit("s0", 100) { admitted += 100 }
        #expect(admitted == 3_000)
        #expect(m.admit("s0", 100) == .refused(.coordinatorUnreachable))
    }

    /// fail_open: admissions continue beyond escrow and the excess is exposed.
    @Test func failOpenExposesOverspend() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(.failOpen), config: Self.config())
        m.advance(1)
        m.drop = { _, msg in msg.to == "c0" }
        m.advance(SyncConfig().unreachableAfter + 1)
        let t = m.admit("s0", 700)
        #expect(t != .wait)
        #expect(m.sidecars["s0"]!.failOpenAdmitted(Fx.key.scope) == 700)
        m.settle("s0", t, reserved: 700, actual: 200)
        #expect(m.sidecars["s0"]!.failOpenAdmitted(Fx.key.scope) == 200)
    }

    /// Settling returns the surplus to the lease; idle escrow goes back to the coordinator.
    @Test func surplusAndIdleReturn() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(), config: Self.config())
        m.advance(1)
        let t = m.admitWaiting("s0", 800)
        let bal = m.sidecars["s0"]!.balance(Fx.key.scope, now: m.now)
        m.settle("s0", t, reserved: 800, actual: 300)
        #expect(m.sidecars["s0"]!.balance(Fx.key.scope, now: m.now) == bal + 500)
        m.advance(SyncConfig().idleReturnAfter + 1)
        m.advance(SyncConfig().refreshInterval)
        #expect(m.sidecars["s0"]!.balance(Fx.key.scope, now: m.now) == 0)
        #expect(m.coordinator.remaining(Fx.key) == 100_000 - 300)
        #expect(m.coordinator.knownSpent(Fx.key) == 300)
    }

    /// A restarted sidecar reports its former epoch from the WAL and never returns its leases.
    @Test func restartFromWAL() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(), config: Self.config())
        m.advance(1)
        let t = m.admitWaiting("s0", 800)
        m.settle("s0", t, reserved: 800, actual: 800)
        let wal = m.sidecars["s0"]!.checkpoint()
        let chargeBefore = m.coordinator.ledger.totalCharge(Fx.key)
        let next = NodeIdentity(nodeID: "s0", epoch: 2)
        m.sidecars["s0"] = SidecarSyncState(identity: next, config: Self.config(), coordinators: ["c0"], seed: 2, now: m.now, recovering: wal)
        #expect(m.sidecars["s0"]!.priorEntries.count == 1)
        m.advance(SyncConfig().refreshInterval)
        #expect(m.coordinator.ledger.charge(key: Fx.key, holder: NodeIdentity(nodeID: "s0", epoch: 1)) == chargeBefore)
        #expect(m.coordinator.ledger.spent(key: Fx.key, holder: NodeIdentity(nodeID: "s0", epoch: 1)) == 800)
    }

    /// End-game: holders hand back surplus and a request is refused only when nothing can come back.
    @Test func endGameRefusal() {
        var m = MiniCluster(sidecars: 2, budget: Self.budget(limit: 3_000), config: Self.config())
        m.advance(1)
        var spent: Int64 = 0
        for _ in 0..<100 {
            let r = m.admitWaiting("s0", 250)
            if case .admitted = r { m.settle("s0", r, reserved: 250, actual: 250); spent += 250 } else { break }
            m.advance(1_000_000)
        }
        #expect(spent == 3_000)
        #expect(m.admitWaiting("s1", 250, maxSteps: 400) == .refused(.exhausted))
        #expect(m.coordinator.ledger.totalCharge(Fx.key) <= 3_000)
    }
}

extension SidecarSyncStateTests {
    /// End-game surplus returns keep the whole waiting admission, not just its shortfall (handing back the rest starved the node's own waiting request).
    @Test func endgameReturnsKeepWaitingAdmission() {
        var m = MiniCluster(sidecars: 3, budget: Self.budget(limit: 5_000), config: Self.config())
        m.advance(1)
        let first = m.admitWaiting("s0", 100)
        guard case .admitted = first else { Issue.record("first admission: \(first)"); return }
        m.settle("s0", first, reserved: 100, actual: 14)
        #expect(m.sidecars["s0"]!.isTight(Fx.key.scope))
        let held = m.sidecars["s0"]!.balance(Fx.key.scope, now: m.now)
        // No more escrow arrives: the admission waits for held + 41 while ticks run end-game returns.
        m.drop = { _, msg in if case .leaseGrant = msg.message { true } else { false } }
        #expect(m.admit("s0", held + 41) == .wait)
        m.advance(10_000_000)
        m.advance(10_000_000)
        #expect(m.sidecars["s0"]!.balance(Fx.key.scope, now: m.now) == held, "end-game returns gave away escrow a waiting admission needs")
        m.drop = { _, _ in false }
        let second = m.admitWaiting("s0", held + 41)
        if case .admitted = second {} else { Issue.record("the waiting admission never got its escrow: \(second)") }
        #expect(m.coordinator.worstGrantOvercommit <= 0)
    }
}

extension SidecarSyncStateTests {
    /// An admission its caller gave up on stops asking for escrow: no grant-expire-ask cycle holds budget for nobody.
    @Test func abandonedWaitStopsAsking() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(limit: 3_000), config: Self.config())
        m.advance(1)
        var spent: Int64 = 0
        while spent < 2_500 {
            let r = m.admitWaiting("s0", 250)
            guard case .admitted = r else { Issue.record("admission \(r)"); return }
            m.settle("s0", r, reserved: 250, actual: 250)
            spent += 250
            m.advance(1_000_000)
        }
        // One admission waits; every grant for it is lost until its caller gives up.
        m.drop = { _, msg in if case .leaseGrant = msg.message { true } else { false } }
        for _ in 0..<5 {
            #expect(m.admit("s0", 400) == .wait)
            m.advance(10_000_000)
        }
        m.drop = { _, _ in false }
        m.advance(SyncConfig().waitForgetAfter + 1)
        for _ in 0..<20 { m.advance(100_000_000) }
        let grants = m.coordinator.grantsIssued
        for _ in 0..<100 { m.advance(100_000_000) }   // 10 s with nobody admitting
        #expect(m.coordinator.grantsIssued == grants)
        #expect(m.coordinator.outstanding(Fx.key) == 0)
        #expect(m.coordinator.remaining(Fx.key) == 500)
    }

    /// A grant whose answer was lost, with no later grant to reveal the gap, is written off at the next report acknowledgement.
    @Test func lostLastGrantIsWrittenOff() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(limit: 100_000), config: Self.config())
        m.advance(1)
        m.drop = { _, msg in if case .leaseGrant = msg.message { true } else { false } }
        #expect(m.admit("s0", 100) == .wait)
        #expect(m.coordinator.outstanding(Fx.key) > 0)
        m.drop = { _, _ in false }
        for _ in 0..<30 { m.advance(100_000_000) }    // the admission is abandoned; reports flow
        #expect(m.coordinator.outstanding(Fx.key) == 0)
        #expect(m.coordinator.remaining(Fx.key) == 100_000)
        // The lost grant, should it still arrive, adds nothing.
        let e = m.sidecars["s0"]!.entries(Fx.key.scope).first!
        var s = m.sidecars["s0"]!
        let late = LeaseGrant(key: Fx.key, holder: s.identity, requestID: 1, issuer: m.coordinator.identity, amount: e.granted,
                              granted: e.granted, ttl: 4_000_000_000)
        _ = s.receive(.leaseGrant(late), now: m.now)
        #expect(s.balance(Fx.key.scope, now: m.now) == 0)
    }
}

extension SidecarSyncStateTests {
    /// End-game patience runs per admission: one arriving after another waited out the patience waits its own, and is served when escrow comes back.
    @Test func endgamePatiencePerAdmission() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(limit: 3_000), config: Self.config())
        m.advance(1)
        let big = m.admitWaiting("s0", 2_000)
        guard case .admitted = big else { Issue.record("in-flight admission: \(big)"); return }
        let firstStart = m.now
        var first = m.admit("s0", 1_500, waitingSince: firstStart)
        while first == .wait && m.now - firstStart < 5_000_000_000 {
            m.advance(10_000_000)
            first = m.admit("s0", 1_500, waitingSince: firstStart)
        }
        #expect(first == .refused(.exhausted))
        #expect(m.now - firstStart >= SyncConfig().endgamePatience)
        let secondStart = m.now
        #expect(m.admit("s0", 1_500, waitingSince: secondStart) == .wait)
        m.settle("s0", big, reserved: 2_000, actual: 100)   // the in-flight escrow comes back
        var second: SyncAdmission = .wait
        while second == .wait && m.now - secondStart < SyncConfig().endgamePatience {
            m.advance(10_000_000)
            second = m.admit("s0", 1_500, waitingSince: secondStart)
        }
        if case .admitted = second {} else { Issue.record("second admission: \(second)") }
    }
}

extension SidecarSyncStateTests {
    /// End-game: when the coordinator cannot cover a node's largest waiting shortfall, the node asks for its smallest, so a small request is not starved behind a large one.
    @Test func endgameAsksForSmallestShortfall() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(limit: 3_000), config: Self.config())
        m.advance(1)
        let inFlight = m.admitWaiting("s0", 2_124)
        guard case .admitted = inFlight else { Issue.record("in-flight admission: \(inFlight)"); return }
        #expect(m.coordinator.remaining(Fx.key) == 876)
        let start = m.now
        var small: SyncAdmission = .wait
        while small == .wait && m.now - start < SyncConfig().endgamePatience {
            if case .admitted = m.admit("s0", 1_172, waitingSince: start) { Issue.record("1,172 cannot fit in 876"); return }
            small = m.admit("s0", 841, waitingSince: start)
            m.advance(10_000_000)
        }
        if case .admitted = small {} else { Issue.record("small admission: \(small)") }
        #expect(m.coordinator.ledger.totalCharge(Fx.key) <= 3_000)
    }
}

extension SidecarSyncStateTests {
    /// Custodians are counted among members believed alive: a suspect peer (likely dead) does not hold every new lease unspendable until it is declared dead.
    @Test func suspectPeerDoesNotBlockActivation() {
        var m = MiniCluster(sidecars: 3, budget: Self.budget(), config: Self.config())
        m.advance(1)
        m.drop = { from, msg in from == "s2" || msg.to == "s2" }
        var steps = 0
        while m.sidecars["s0"]!.membership.state(of: "s2") != .suspect && steps < 100 {
            m.advance(100_000_000)
            steps += 1
        }
        #expect(m.sidecars["s0"]!.membership.state(of: "s2") == .suspect)
        let r = m.admitWaiting("s0", 100, maxSteps: 50)
        if case .admitted = r {} else { Issue.record("admission with one alive custodian: \(r)") }
    }
}

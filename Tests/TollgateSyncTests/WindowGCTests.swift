import Testing
@testable import TollgateSync

struct WindowGCTests {
    static func config() -> SyncConfig {
        var c = SyncConfig()
        c.windowGrace = 3_000_000_000
        return c
    }

    /// Runs 40 windows with spend in each (and a sidecar restart that recovers old windows from
    /// its WAL): coordinator and sidecar state stays bounded, yet the current window is tracked.
    @Test func manyWindowsStayBounded() {
        var m = MiniCluster(sidecars: 3, budget: ClusterBudget(scope: Fx.key.scope, window: 1, limit: 1_000_000),
                            config: Self.config())
        var maxCoordinator = 0, maxSidecar = 0
        for w in UInt64(1)...40 {
            if w > 1 { m.coordinator.setBudget(ClusterBudget(scope: Fx.key.scope, window: w, limit: 1_000_000)) }
            m.advance(1_000_000_000)   // reports pick up the new definitions
            for id in ["s0", "s1"] {
                let t = m.admitWaiting(id, 500)
                #expect(t != .wait, "window \(w): \(id) not admitted")
                m.settle(id, t, reserved: 500, actual: 400)
            }
            if w == 10 {
                // s2 restarts from its WAL: its former epoch's entries (old windows) come along.
                let wal = m.sidecars["s2"]!.checkpoint()
                let peers = ["s0", "s1", "s2"].map { NodeIdentity(nodeID: $0, epoch: $0 == "s2" ? 2 : 1) }
                m.sidecars["s2"] = SidecarSyncState(identity: peers[2], config: Self.config(), coordinators: ["c0"], peers: peers,
                                                    seed: 2, now: m.now, recovering: wal)
            }
            for _ in 0..<3 { m.advance(1_000_000_000) }
            let key = BudgetKey(scope: Fx.key.scope, window: w)
            #expect(m.coordinator.knownSpent(key) >= 800, "window \(w) spend not tracked")
            if w > 3 {
                maxCoordinator = max(maxCoordinator, m.coordinator.retainedKeys)
                for s in m.sidecars.values { maxSidecar = max(maxSidecar, s.retainedKeys) }
            }
        }
        // 4 s per window and a 3 s grace (+ one refresh interval to notice): at most the current
        // window and the previous one or two, however many windows ran.
        #expect(maxCoordinator <= 3)
        #expect(maxSidecar <= 3)
        #expect(m.coordinator.closingKeys <= 2)
    }

    /// A report about a collected window does not bring it back at the coordinator.
    @Test func collectedWindowStaysGone() {
        var c = Coordinator(identity: Fx.c0, config: Self.config(), coordinators: ["c0"],
                            budgets: [ClusterBudget(scope: Fx.key.scope, window: 7, limit: 10_000)], now: 0, learning: false)
        _ = c.receive(.leaseReturn(LeaseReturn(holder: Fx.s1, entries: [Fx.entry])), now: 0)
        #expect(c.ledger.budgetKeys == [Fx.key])
        c.setBudget(ClusterBudget(scope: Fx.key.scope, window: 8, limit: 10_000))
        _ = c.tick(now: 1_000_000_000)                 // stamps the closed window
        _ = c.receive(.leaseReturn(LeaseReturn(holder: Fx.s1, entries: [Fx.entry])), now: 2_000_000_000)
        #expect(c.ledger.budgetKeys == [Fx.key])       // still in grace: merged
        _ = c.tick(now: 5_000_000_000)
        #expect(c.ledger.budgetKeys.isEmpty)
        _ = c.receive(.leaseReturn(LeaseReturn(holder: Fx.s1, entries: [Fx.entry])), now: 6_000_000_000)
        #expect(c.ledger.budgetKeys.isEmpty)
        #expect(c.retainedKeys == 0)
    }

    /// A budget its owner removes is dropped by sidecars (no longer admitted against).
    @Test func removedBudgetIsDropped() {
        var m = MiniCluster(sidecars: 2, budget: ClusterBudget(scope: Fx.key.scope, window: 7, limit: 100_000), config: Self.config())
        m.advance(1_000_000_000)
        #expect(m.sidecars["s0"]!.budget(Fx.key.scope) != nil)
        m.coordinator.removeBudget(scope: Fx.key.scope)
        m.advance(1_000_000_000)
        m.advance(1_000_000_000)
        #expect(m.sidecars["s0"]!.budget(Fx.key.scope) == nil)
        #expect(m.admit("s0", 10) == .refused(.unknownBudget))
    }
}

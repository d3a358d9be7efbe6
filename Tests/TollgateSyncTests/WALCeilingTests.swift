import Testing
@testable import TollgateSync

/// WAL spend ceilings as the sidecar process drives them: checkpoint, write, confirm.
struct WALCeilingTests {
    static func config() -> SyncConfig {
        var c = SyncConfig()
        c.minLease = 1_000
        c.walCeilings = true
        return c
    }

    static func budget() -> ClusterBudget {
        ClusterBudget(scope: Fx.key.scope, window: Fx.key.window, limit: 100_000, policy: .failClosed, reservePerNode: 0)
    }

    /// Checkpoints and confirms the record (the process does this after a durable ledger write).
    static func commit(_ m: inout MiniCluster, _ id: String = "s0") -> SidecarWAL {
        let record = m.sidecars[id]!.checkpoint()
        m.sidecars[id]!.walCommitted(record.seq)
        return record
    }

    /// Admits `amount` and settles it in full; false when admission did not happen.
    static func spend(_ m: inout MiniCluster, _ amount: Int64, maxSteps: Int = 50) -> Bool {
        let t = m.admitWaiting("s0", amount, maxSteps: maxSteps)
        guard case .admitted = t else { return false }
        m.settle("s0", t, reserved: amount, actual: amount)
        return true
    }

    /// Without a confirmed record admission stops at the first ceiling, escrow in hand or not;
    /// confirming a later record raises the ceiling and admission goes on.
    @Test func unconfirmedCeilingCapsAdmission() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(), config: Self.config())
        m.advance(1)
        var admitted: Int64 = 0
        while admitted < 5_000 && Self.spend(&m, 100, maxSteps: 5) { admitted += 100 }
        // MiniCluster.advance checkpoints but never confirms: the first ceiling holds.
        #expect(admitted > 0 && admitted < 5_000)
        #expect(m.sidecars["s0"]!.balance(Fx.key.scope, now: m.now) >= 100)
        _ = Self.commit(&m)
        #expect(Self.spend(&m, 100, maxSteps: 1))
    }

    /// kill -9 with a record on disk: the restarted epoch closes the old epoch's leases at the
    /// record's bound, which is below the full grant and covers spend admitted after the record.
    @Test func restartClosesLeasesAtTheCeiling() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(), config: Self.config())
        m.advance(1)
        var admitted: Int64 = 0
        for _ in 0..<5 {
            if Self.spend(&m, 100) { admitted += 100 }
            _ = Self.commit(&m)
        }
        let onDisk = Self.commit(&m)
        if Self.spend(&m, 100, maxSteps: 1) { admitted += 100 }   // after the record: not in its spend
        #expect(admitted == 600)
        let old = NodeIdentity(nodeID: "s0", epoch: 1)
        let granted = m.coordinator.ledger.entries(Fx.key, holder: old).reduce(Int64(0)) { $0 + $1.granted }
        let bound = onDisk.entries.filter { $0.holder == old }.map(\.spent).max() ?? 0
        #expect(bound >= admitted)
        #expect(bound < granted)
        // Crash: the restarted epoch recovers the record and reports it.
        m.sidecars["s0"] = SidecarSyncState(identity: NodeIdentity(nodeID: "s0", epoch: 2), config: Self.config(), coordinators: ["c0"],
                                            seed: 2, now: m.now, recovering: onDisk)
        m.advance(SyncConfig().refreshInterval)
        #expect(m.coordinator.ledger.charge(key: Fx.key, holder: old) == bound)
        #expect(m.coordinator.ledger.totalCharge(Fx.key) >= admitted)
    }

    /// A caller whose ledger writes keep failing checkpoints on: the unconfirmed records stay
    /// bounded, admission stays capped, and a later confirmation still lifts the cap.
    @Test func unconfirmedRecordsStayBounded() {
        var m = MiniCluster(sidecars: 1, budget: Self.budget(), config: Self.config())
        m.advance(1)
        var admitted: Int64 = 0
        while admitted < 5_000 && Self.spend(&m, 100, maxSteps: 5) { admitted += 100 }
        for _ in 0..<200 { m.sidecars["s0"]!.checkpoint() }
        #expect(m.sidecars["s0"]!.pendingCeilings.count <= SidecarSyncState.maxPendingCeilings)
        #expect(!Self.spend(&m, 100, maxSteps: 1))
        _ = Self.commit(&m)
        #expect(Self.spend(&m, 100, maxSteps: 1))
    }
}

@testable import TollgateSync

/// A synchronous in-memory cluster for unit tests: one coordinator, a few sidecars, FIFO
/// delivery with an optional filter (drop) on messages.
struct MiniCluster {
    var coordinator: Coordinator
    var sidecars: [String: SidecarSyncState] = [:]
    var queue: [(from: String, OutboundMessage)] = []
    var now: Int64 = 0
    var drop: (String, OutboundMessage) -> Bool = { _, _ in false }
    var delivered = 0

    init(sidecars n: Int, budget: ClusterBudget, config: SyncConfig = SyncConfig(), learning: Bool = false) {
        coordinator = Coordinator(identity: NodeIdentity(nodeID: "c0", epoch: 1), config: config, coordinators: ["c0"],
                                  budgets: [budget], now: 0, learning: learning)
        let peers = (0..<n).map { NodeIdentity(nodeID: "s\($0)", epoch: 1) }
        for p in peers {
            sidecars[p.nodeID] = SidecarSyncState(identity: p, config: config, coordinators: ["c0"], peers: peers, seed: 1, now: 0)
        }
    }

    mutating func send(_ from: String, _ out: [OutboundMessage]) { for m in out { queue.append((from, m)) } }

    /// Delivers everything queued (and what that produces).
    mutating func pump(limit: Int = 100_000) {
        var steps = 0
        while !queue.isEmpty && steps < limit {
            steps += 1
            let (from, m) = queue.removeFirst()
            if drop(from, m) { continue }
            delivered += 1
            if m.to == "c0" {
                send("c0", coordinator.receive(m.message, now: now))
            } else if var s = sidecars[m.to] {
                let out = s.receive(m.message, now: now)
                sidecars[m.to] = s
                send(m.to, out)
            }
        }
    }

    /// Advances time by `dt`, checkpointing and ticking every sidecar, then pumps.
    mutating func advance(_ dt: Int64) {
        now += dt
        for id in sidecars.keys.sorted() {
            var s = sidecars[id]!
            s.checkpoint()
            let out = s.tick(now: now)
            sidecars[id] = s
            send(id, out)
        }
        pump()
    }

    mutating func admit(_ id: String, _ amount: Int64, scope: String = Fx.key.scope, waitingSince: Int64? = nil) -> SyncAdmission {
        var s = sidecars[id]!
        let r = s.tryAdmit(scope, amount: amount, now: now, waitingSince: waitingSince)
        let out = s.takeOutbound()
        sidecars[id] = s
        send(id, out)
        pump()
        return r
    }

    /// Admits, waiting (pumping, ticking 10 ms at a time) up to `maxSteps` for escrow.
    mutating func admitWaiting(_ id: String, _ amount: Int64, maxSteps: Int = 50) -> SyncAdmission {
        for _ in 0..<maxSteps {
            let r = admit(id, amount)
            if r != .wait { return r }
            advance(10_000_000)
        }
        return .wait
    }

    mutating func settle(_ id: String, _ t: SyncAdmission, reserved: Int64, actual: Int64) {
        guard case .admitted(let ticket) = t else { return }
        sidecars[id]!.settle(Fx.key.scope, ticket: ticket, reserved: reserved, actual: actual, now: now)
    }
}

import TollgateJSON
import TollgateSync

/// The sidecar's view of its cluster budgets for the admin port: GET /cluster and /metrics.
extension ClusterBudgets {
    /// `{"node":…,"epoch":…,"coordinators":[{"id","reachable","learning"}],"members":[…],
    /// "budgets":[{"scope","limit","balance","in_flight","settled_spent","tight","leases"}],…}`
    func statusJSON() -> [UInt8] {
        let now = self.now()
        let c = counters.withLock { $0 }
        return state.withLock { s in
            var out: [UInt8] = Array("{\"node\":".utf8)
            JSONValue.writeString(identity.nodeID, to: &out)
            out += Array(",\"epoch\":\(identity.epoch),\"coordinators\":[".utf8)
            for (i, id) in coordinatorIDs.enumerated() {
                if i > 0 { out.append(44) }
                out += Array("{\"id\":".utf8)
                JSONValue.writeString(id, to: &out)
                out += Array(",\"heard\":\(s.hasHeard(from: id)),\"reachable\":\(s.coordinatorReachable(id, now: now)),\"learning\":\(s.isLearning(id))}".utf8)
            }
            out += Array("],\"members\":[".utf8)
            for (i, m) in s.membership.aliveMembers.sorted().enumerated() {
                if i > 0 { out.append(44) }
                JSONValue.writeString(m.description, to: &out)
            }
            out += Array("],\"budgets\":[".utf8)
            for (i, b) in s.knownBudgets.enumerated() {
                if i > 0 { out.append(44) }
                out += Array("{\"scope\":".utf8)
                JSONValue.writeString(b.scope, to: &out)
                out += Array(",\"window_id\":\(b.window),\"limit\":\(b.limit),\"policy\":\"\(ClusterBudgetSpec.name(b.policy))\",\"balance\":\(s.balance(b.scope, now: now)),\"held\":\(s.heldEscrow(b.scope)),\"in_flight\":\(s.inFlight(b.scope)),\"settled_spent\":\(s.settledSpent(b.scope)),\"tight\":\(s.isTight(b.scope)),\"leases\":\(s.leases(b.scope).filter { !$0.closed }.count)}".utf8)
            }
            out += Array("],\"admitted\":\(c.admitted),\"refused\":\(c.refused),\"timed_out\":\(c.timedOut),\"waited\":\(c.waits)}\n".utf8)
            return out
        }
    }

    func metricsText() -> String {
        let now = self.now()
        let c = counters.withLock { $0 }
        return state.withLock { s in
            var t = """
            # HELP tollgate_cluster_admissions_total Cluster budget admissions by outcome.
            # TYPE tollgate_cluster_admissions_total counter
            tollgate_cluster_admissions_total{outcome="admitted"} \(c.admitted)
            tollgate_cluster_admissions_total{outcome="refused"} \(c.refused)
            tollgate_cluster_admissions_total{outcome="timed_out"} \(c.timedOut)
            # HELP tollgate_cluster_admissions_waited_total Admissions that waited for a lease.
            # TYPE tollgate_cluster_admissions_waited_total counter
            tollgate_cluster_admissions_waited_total \(c.waits)
            # HELP tollgate_cluster_gossip_members Peers believed alive.
            # TYPE tollgate_cluster_gossip_members gauge
            tollgate_cluster_gossip_members \(s.membership.aliveMembers.count)
            # HELP tollgate_cluster_lease_balance Spendable escrow held by this sidecar.
            # TYPE tollgate_cluster_lease_balance gauge

            """
            for b in s.knownBudgets { t += "tollgate_cluster_lease_balance{scope=\"\(b.scope)\"} \(s.balance(b.scope, now: now))\n" }
            return t
        }
    }
}

import TollgateJSON
import TollgateSync

/// The sidecar's view of its cluster budgets for the admin port: GET /cluster and /metrics.
extension ClusterBudgets {
    /// `{"node":…,"epoch":…,"coordinators":[{"id","heard","reachable","learning","transport","exchanges","failures","link_problem"}],"members":[…],
    /// "budgets":[{"scope","limit","balance","in_flight","settled_spent","tight","leases"}],…}`
    func statusJSON() -> [UInt8] {
        let now = self.now()
        let c = counters.withLock { $0 }
        let linkStates = links.withLock { $0 }
        return state.withLock { s in
            var out: [UInt8] = Array("{\"node\":".utf8)
            JSONValue.writeString(identity.nodeID, to: &out)
            out += Array(",\"epoch\":\(identity.epoch),\"coordinators\":[".utf8)
            // The coordinators dialled at start, then members a later set added (their links too).
            for (i, id) in (coordinatorIDs + s.coordinators.filter { !coordinatorIDs.contains($0) }).enumerated() {
                if i > 0 { out.append(44) }
                out += Array("{\"id\":".utf8)
                JSONValue.writeString(id, to: &out)
                out += Array(",\"heard\":\(s.hasHeard(from: id)),\"reachable\":\(s.coordinatorReachable(id, now: now)),\"learning\":\(s.isLearning(id))".utf8)
                if let l = linkStates[id] {
                    out += Array(",\"transport\":\"\(l.transport)\",\"exchanges\":\(l.exchanges),\"failures\":\(l.failures),\"link_problem\":".utf8)
                    if let p = l.problem { JSONValue.writeString(p, to: &out) } else { out += Array("null".utf8) }
                }
                out.append(125)
            }
            // The coordinator set in use and its term (adopted from the coordinators' definitions).
            out += Array("],\"term\":\(s.term),\"coordinator_set\":[".utf8)
            for (i, id) in s.coordinators.enumerated() {
                if i > 0 { out.append(44) }
                JSONValue.writeString(id, to: &out)
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
        let linkStates = links.withLock { $0 }
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
            t += "# HELP tollgate_cluster_sync_exchanges_total HTTP/2 sync exchanges with each coordinator, by outcome.\n# TYPE tollgate_cluster_sync_exchanges_total counter\n"
            for (id, l) in linkStates.sorted(by: { $0.key < $1.key }) {
                t += "tollgate_cluster_sync_exchanges_total{coordinator=\"\(id)\",transport=\"\(l.transport)\",outcome=\"ok\"} \(l.exchanges)\n"
                t += "tollgate_cluster_sync_exchanges_total{coordinator=\"\(id)\",transport=\"\(l.transport)\",outcome=\"failed\"} \(l.failures)\n"
            }
            return t
        }
    }
}

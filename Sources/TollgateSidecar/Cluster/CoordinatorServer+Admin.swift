import TollgateHTTP
import TollgateJSON
import TollgateSync
import TollgateTransport

/// The coordinator's HTTP routes: sync, budget definitions, cluster view, metrics, health.
extension CoordinatorServer {
    func route(_ method: String, _ path: Substring, _ headers: HTTPHeaders, _ body: [UInt8], protocolName: String = "http/1.1") -> AdminResponse {
        switch (method, path) {
        case ("POST", "/v1/sync"):
            return handleSync(headers, body, protocolName: protocolName)
        case ("GET", "/healthz"), ("HEAD", "/healthz"):
            return .text(200, "ok\n")
        case ("GET", "/readyz"), ("HEAD", "/readyz"):
            return coordinator.isLearning(Self.monoNow()) ? .text(200, "ready (learning)\n") : .text(200, "ready\n")
        case ("GET", "/metrics"):
            return .text(200, metricsText(), type: "text/plain; version=0.0.4; charset=utf-8")
        case ("GET", "/v1/budgets"):
            return json(budgetsJSON())
        case ("GET", "/v1/cluster"):
            return json(clusterJSON())
        case ("PUT", "/v1/budgets"), ("POST", "/v1/budgets"):
            guard authorized(headers) else { return unauthorized() }
            return putBudget(body)
        case ("DELETE", _) where path.hasPrefix("/v1/budgets/"):
            guard authorized(headers) else { return unauthorized() }
            guard let scope = ClusterBudgetSpec.scope(fromPathID: path.dropFirst("/v1/budgets/".count)) else {
                return error(400, "expected DELETE /v1/budgets/UNIT/WINDOW, e.g. /v1/budgets/total_tokens/day")
            }
            guard coordinator.budgets[scope] != nil else { return error(404, "no cluster budget \(scope)") }
            coordinator.removeBudget(scope: scope)
            Log.info("cluster budget \(scope) deleted by the admin API")
            return json(budgetsJSON())
        case (_, "/v1/sync"), (_, "/v1/budgets"), (_, "/v1/cluster"), (_, "/metrics"), (_, "/healthz"), (_, "/readyz"):
            return error(405, "method not allowed")
        default:
            return error(404, "not found")
        }
    }

    func unauthorized() -> AdminResponse {
        options.adminToken == nil
            ? error(403, "budget writes are disabled: start the coordinator with --admin-token")
            : error(401, "missing or wrong bearer token")
    }

    func error(_ status: Int, _ message: String) -> AdminResponse {
        var out: [UInt8] = Array("{\"error\":".utf8)
        JSONValue.writeString(message, to: &out)
        out += Array("}\n".utf8)
        return AdminResponse(status: status, contentType: "application/json", body: out)
    }

    func json(_ bytes: [UInt8]) -> AdminResponse {
        AdminResponse(status: 200, contentType: "application/json", body: bytes + [10])
    }

    /// PUT /v1/budgets {"budget":"total_tokens=100k/day","policy":"fail_closed","reserve_per_node":0}
    func putBudget(_ body: [UInt8]) -> AdminResponse {
        guard let v = try? JSONValue(parsing: body), let spec = v["budget"]?.stringValue else {
            return error(400, "expected a JSON object {\"budget\":\"UNIT=LIMIT/WINDOW\",\"policy\":\"fail_closed\"}")
        }
        var policy = PartitionPolicy.failClosed
        if let p = v["policy"] {
            guard let name = p.stringValue, let parsed = ClusterBudgetSpec.policy(named: name) else {
                return error(400, "policy must be fail_closed, fail_open_bounded or fail_open")
            }
            policy = parsed
        }
        let reserve = v["reserve_per_node"]?.int64Value ?? 0
        do {
            let b = try ClusterBudgetSpec.parse(spec, policy: policy, reservePerNode: reserve, now: wallNow())
            coordinator.setBudget(b)
            Log.info("cluster budget \(b.scope) set by the admin API: limit \(b.limit), \(ClusterBudgetSpec.name(policy))")
            return json(budgetsJSON())
        } catch {
            return self.error(400, error.description)
        }
    }

    func writeBudget(_ b: ClusterBudget, to out: inout [UInt8], now: Int64) {
        let (unit, window) = ClusterBudgetSpec.parseScope(b.scope) ?? (.requests, .lifetime)
        out += Array("{\"id\":".utf8)
        JSONValue.writeString(ClusterBudgetSpec.pathID(ofScope: b.scope) ?? b.scope, to: &out)
        out += Array(",\"scope\":".utf8)
        JSONValue.writeString(b.scope, to: &out)
        let used = coordinator.knownSpent(b.key)
        let outstanding = coordinator.outstanding(b.key)
        out += Array(",\"unit\":\"\(unit.rawValue)\",\"window\":\"\(window.name)\",\"window_id\":\(b.window),\"limit\":\(b.limit),\"policy\":\"\(ClusterBudgetSpec.name(b.policy))\",\"reserve_per_node\":\(b.reservePerNode),\"version\":\(b.version),\"used\":\(used),\"outstanding\":\(outstanding),\"remaining\":\(coordinator.remaining(b.key)),\"tight\":\(coordinator.isTight(b.key, now: now))".utf8)
    }

    func budgetsJSON() -> [UInt8] {
        let now = Self.monoNow()
        var out: [UInt8] = Array("{\"version\":\(coordinator.budgetsVersion),\"budgets\":[".utf8)
        for (i, b) in coordinator.budgets.values.sorted(by: { $0.scope < $1.scope }).enumerated() {
            if i > 0 { out.append(44) }
            writeBudget(b, to: &out, now: now)
            out.append(125)
        }
        out += Array("]}".utf8)
        return out
    }

    /// GET /v1/cluster: the coordinator, the sidecars that report to it, and per budget the
    /// ledger by holder (node, epoch): granted, returned, spent, charge.
    func clusterJSON() -> [UInt8] {
        let now = Self.monoNow()
        let c = coordinator!
        var out: [UInt8] = Array("{\"coordinator\":{\"id\":".utf8)
        JSONValue.writeString(c.identity.nodeID, to: &out)
        out += Array(",\"epoch\":\(c.identity.epoch),\"learning\":\(c.isLearning(now)),\"learning_ms_left\":\(max(0, (c.learningUntil - now) / 1_000_000)),\"grants\":\(stats.grants),\"coordinators\":[".utf8)
        for (i, id) in c.coordinators.enumerated() {
            if i > 0 { out.append(44) }
            JSONValue.writeString(id, to: &out)
        }
        // The coordinator set's term, and whether a sidecar has shown a later one (fenced: grants nothing).
        out += Array("],\"term\":\(c.term),\"fenced\":\(c.isFenced)},\"sidecars\":[".utf8)
        for (i, r) in c.reportingSidecars.enumerated() {
            if i > 0 { out.append(44) }
            out += Array("{\"node\":".utf8)
            JSONValue.writeString(r.nodeID, to: &out)
            out += Array(",\"epoch\":\(r.epoch),\"last_report_ms_ago\":\(max(0, (now - r.at) / 1_000_000))}".utf8)
        }
        out += Array("],\"budgets\":[".utf8)
        for (i, b) in c.budgets.values.sorted(by: { $0.scope < $1.scope }).enumerated() {
            if i > 0 { out.append(44) }
            writeBudget(b, to: &out, now: now)
            // Which coordinator owns the key under this coordinator's set, and whether it is still being learned here.
            out += Array(",\"owner\":".utf8)
            JSONValue.writeString(Rendezvous.owner(of: b.scope, among: c.coordinators) ?? "", to: &out)
            out += Array(",\"learning_key\":\(c.isLearningKey(b.scope, now: now))".utf8)
            out += Array(",\"holders\":[".utf8)
            for (j, h) in c.ledger.holders(b.key).sorted().enumerated() {
                if j > 0 { out.append(44) }
                let es = c.ledger.entries(b.key, holder: h)
                let granted = es.reduce(Int64(0)) { $0 + $1.granted }
                // A closed epoch's `returned` is `SidecarWAL.closedReturned` (beyond any grant): shown
                // as what it covers, so the sum stays meaningful and cannot overflow.
                let returned = es.reduce(Int64(0)) { $0 + min($1.returned, $1.granted) }
                let closed = !es.isEmpty && es.allSatisfy { $0.granted == 0 || $0.returned >= SidecarWAL.closedReturned }
                out += Array("{\"node\":".utf8)
                JSONValue.writeString(h.nodeID, to: &out)
                out += Array(",\"epoch\":\(h.epoch),\"granted\":\(granted),\"returned\":\(returned),\"spent\":\(c.ledger.spent(key: b.key, holder: h)),\"charge\":\(c.ledger.charge(key: b.key, holder: h)),\"closed\":\(closed)}".utf8)
            }
            out += Array("]}".utf8)
        }
        out += Array("]}".utf8)
        return out
    }

    func metricsText() -> String {
        let now = Self.monoNow()
        let c = coordinator!
        var s = """
        # HELP tollgate_coordinator_learning 1 while rebuilding the ledger after a start.
        # TYPE tollgate_coordinator_learning gauge
        tollgate_coordinator_learning \(c.isLearning(now) ? 1 : 0)
        # HELP tollgate_coordinator_set_term Term of the coordinator set in use (bumped by each set change).
        # TYPE tollgate_coordinator_set_term gauge
        tollgate_coordinator_set_term \(c.term)
        # HELP tollgate_coordinator_set_members Coordinators in the set in use.
        # TYPE tollgate_coordinator_set_members gauge
        tollgate_coordinator_set_members \(c.coordinators.count)
        # HELP tollgate_coordinator_sync_requests_total Sync POSTs handled, by protocol (h2, http/1.1).
        # TYPE tollgate_coordinator_sync_requests_total counter
        tollgate_coordinator_sync_requests_total{protocol="h2"} \(stats.syncRequests["h2"] ?? 0)
        tollgate_coordinator_sync_requests_total{protocol="http/1.1"} \(stats.syncRequests["http/1.1"] ?? 0)
        # HELP tollgate_coordinator_connections_total Connections accepted, by protocol (h2, http/1.1).
        # TYPE tollgate_coordinator_connections_total counter
        tollgate_coordinator_connections_total{protocol="h2"} \(stats.connections["h2"] ?? 0)
        tollgate_coordinator_connections_total{protocol="http/1.1"} \(stats.connections["http/1.1"] ?? 0)
        # HELP tollgate_coordinator_lease_requests_total Lease requests received.
        # TYPE tollgate_coordinator_lease_requests_total counter
        tollgate_coordinator_lease_requests_total \(stats.leaseRequests)
        # HELP tollgate_coordinator_grants_total Leases granted.
        # TYPE tollgate_coordinator_grants_total counter
        tollgate_coordinator_grants_total \(stats.grants)
        # HELP tollgate_coordinator_sidecars Sidecars that reported within 30 s.
        # TYPE tollgate_coordinator_sidecars gauge
        tollgate_coordinator_sidecars \(c.reportingSidecars.filter { now - $0.at < 30_000_000_000 }.count)

        """
        s += "# HELP tollgate_coordinator_tls_handshake_failures_total Sync TLS handshakes refused, by reason.\n# TYPE tollgate_coordinator_tls_handshake_failures_total counter\n"
        for reason in SyncTLSFailure.allCases {
            s += "tollgate_coordinator_tls_handshake_failures_total{reason=\"\(reason.rawValue)\"} \(stats.tlsFailures[reason.rawValue] ?? 0)\n"
        }
        s += "# HELP tollgate_coordinator_frames_rejected_total Sync frames rejected, by reason.\n# TYPE tollgate_coordinator_frames_rejected_total counter\n"
        for (reason, n) in stats.rejected.sorted(by: { $0.key < $1.key }) {
            s += "tollgate_coordinator_frames_rejected_total{reason=\"\(reason)\"} \(n)\n"
        }
        let families: [(String, String, (ClusterBudget) -> Int64)] = [
            ("tollgate_cluster_budget_limit", "Cluster budget limit.", { $0.limit }),
            ("tollgate_cluster_budget_used", "Spend reported by sidecars.", { c.knownSpent($0.key) }),
            ("tollgate_cluster_budget_outstanding", "Escrow held in leases, not yet reported spent.", { c.outstanding($0.key) }),
            ("tollgate_cluster_budget_remaining", "Neither spent nor escrowed.", { c.remaining($0.key) }),
        ]
        let budgets = c.budgets.values.sorted { $0.scope < $1.scope }
        for (name, help, value) in families {
            s += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for b in budgets { s += "\(name){scope=\"\(b.scope)\"} \(value(b))\n" }
        }
        return s
    }
}

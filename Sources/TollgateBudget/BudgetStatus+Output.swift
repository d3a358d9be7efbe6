/// Pure renderings of budget state for the admin port: the GET /budgets JSON body and the
/// Prometheus metrics (used, reserved, remaining, limit, refusals, soft alerts by budget).
extension BudgetStatus {
    /// `{"budgets":[{"id":…,"scope":…,"unit":…,"window":…,"mode":…,"limit":…,"used":…,
    /// "reserved":…,"remaining":…,"window_id":…,"reset_seconds":…|null,"refusals":…,"soft_alerts":…},…]}`
    public static func json(_ statuses: [BudgetStatus]) -> [UInt8] {
        var j = JSONWriter()
        j.raw("{\"budgets\":[")
        for (i, s) in statuses.enumerated() {
            if i > 0 { j.raw(",") }
            j.budgetHead(id: s.id, scope: s.scope, unit: s.unit, window: s.window)
            j.raw(",\"mode\":")
            j.string(s.mode.rawValue)
            j.raw(",\"limit\":\(s.limit),\"used\":\(s.used),\"reserved\":\(s.reserved),\"remaining\":\(s.remaining)")
            j.raw(",\"window_id\":\(s.windowID),\"reset_seconds\":")
            j.raw(s.resetInNanos.map { String(Nanos.secondsRoundedUp($0)) } ?? "null")
            j.raw(",\"refusals\":\(s.refusals),\"soft_alerts\":\(s.softAlerts)}")
        }
        j.raw("]}")
        return j.bytes
    }

    /// Prometheus text exposition, one gauge or counter family per figure.
    public static func prometheus(_ statuses: [BudgetStatus]) -> String {
        let families: [(String, String, String, (BudgetStatus) -> Int64)] = [
            ("tollgate_budget_limit", "gauge", "Budget limit in its unit.", { $0.limit }),
            ("tollgate_budget_used", "gauge", "Settled usage in the current window.", { $0.used }),
            ("tollgate_budget_reserved", "gauge", "Held by requests in flight.", { $0.reserved }),
            ("tollgate_budget_remaining", "gauge", "What is left in the current window.", { $0.remaining }),
            ("tollgate_budget_refusals_total", "counter", "Requests refused by this budget.", { $0.refusals }),
            ("tollgate_budget_soft_alerts_total", "counter", "Requests admitted past a soft budget.", { $0.softAlerts }),
        ]
        var out = ""
        for (name, type, help, value) in families {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for s in statuses {
                out += "\(name){budget=\"\(label(s.id))\",scope=\"\(label(s.scope))\",unit=\"\(s.unit.displayName)\",window=\"\(s.window.name)\"} \(value(s))\n"
            }
        }
        return out
    }

    /// Label values escape backslash, quote and newline.
    static func label(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}

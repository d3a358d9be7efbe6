import TollgateBudget
import TollgateHTTP
import TollgateJSON
import TollgateTransport

/// POST /budgets/{id}/reset and POST /budgets/{id}/adjust on the admin port, behind
/// `Authorization: Bearer <admin token>`. Both go through the engine, so they are journaled in
/// the WAL (reset and adjust records) and survive a restart.
struct BudgetAdminRoutes: Sendable {
    let engine: BudgetEngine?
    /// nil: no token configured, every POST is refused (403).
    let token: String?
    var now: @Sendable () -> UTCNanos = { MonotonicClock.wallNanos() }

    /// The response for `/budgets/...` write routes, or nil if the path is not one of them.
    func handle(method: String, path: Substring, headers: HTTPHeaders, body: [UInt8]) -> AdminResponse? {
        guard let (id, action) = Self.route(path) else { return nil }
        guard method == "POST" else { return Self.error(AdminRequestError(405, "method_not_allowed", "use POST for /budgets/{id}/\(action)")) }
        do throws(AdminRequestError) {
            try authorize(headers)
            guard let engine else { throw AdminRequestError(404, "no_budgets", "no budgets are configured") }
            let at = now()
            let change: BudgetChange?
            switch action {
            case "reset":
                change = engine.reset(id, now: at)
            default:
                switch try BudgetAdjustment.parse(body) {
                case .delta(let d): change = engine.adjust(id, by: d, now: at)
                case .absolute(let n): change = engine.setUsed(id, to: n, now: at)
                }
            }
            guard let change, let status = engine.status(id, now: at) else { throw Self.unknown(id) }
            Log.info("admin: budget \(id) \(action == "reset" ? "reset" : "adjusted"): used \(status.used - change.delta) -> \(status.used)")
            var response = AdminResponse(status: 200, contentType: "application/json", body: BudgetStatus.json([status]))
            // Answer once the change is on disk, so a crash after the answer cannot undo it.
            if let ticket = change.ticket, let journal = engine.journal {
                response.after = { ready in
                    journal.onDurable(ticket) { ok in
                        ready(ok ? nil : Self.error(AdminRequestError(503, "budget_journal_unavailable",
                            "the change was applied in memory but the write-ahead log cannot be written; it will not survive a restart")))
                    }
                }
            }
            return response
        } catch {
            return Self.error(error)
        }
    }

    /// 403 without a configured token (the API stays closed), 401 for a missing or wrong one.
    func authorize(_ headers: HTTPHeaders) throws(AdminRequestError) {
        guard let token else {
            throw AdminRequestError(403, "admin_token_required",
                                    "budget changes need an admin token: start the sidecar with --admin-token or --admin-token-file")
        }
        guard let value = headers["authorization"], value.utf8.count > 7,
              value.prefix(7).lowercased() == "bearer " else {
            throw AdminRequestError(401, "unauthorized", "missing Authorization: Bearer <admin token>")
        }
        let given = value.dropFirst(7).drop { $0 == " " }
        guard Self.constantTimeEquals(Array(given.utf8), Array(token.utf8)) else {
            throw AdminRequestError(401, "unauthorized", "wrong admin token")
        }
    }

    /// Compares without an early exit, so the time taken says nothing about how much matched.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        if a.count != b.count { diff |= 1 }
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            diff |= x ^ y
        }
        return diff == 0
    }

    /// "/budgets/{id}/reset" -> (id, "reset"); the id percent-decoded.
    static func route(_ path: Substring) -> (id: String, action: String)? {
        let p = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? path
        let parts = p.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[1] == "budgets", !parts[2].isEmpty,
              parts[3] == "reset" || parts[3] == "adjust", let id = percentDecoded(parts[2]) else { return nil }
        return (id, String(parts[3]))
    }

    static func percentDecoded(_ s: Substring) -> String? {
        var out: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "%") {
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                out.append(v)
                it = it.dropFirst(2)
            } else {
                out.append(c)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    static func unknown(_ id: String) -> AdminRequestError {
        AdminRequestError(404, "unknown_budget", "no budget with id '\(id)'")
    }

    /// `{"error":{"message":…,"type":"admin_error","code":…}}`, like the proxy's own errors.
    static func error(_ e: AdminRequestError) -> AdminResponse {
        var out = Array("{\"error\":{\"message\":".utf8)
        JSONValue.writeString(e.message, to: &out)
        out += Array(",\"type\":\"admin_error\",\"code\":".utf8)
        JSONValue.writeString(e.code, to: &out)
        out += Array("}}\n".utf8)
        return AdminResponse(status: e.status, contentType: "application/json", body: out)
    }
}

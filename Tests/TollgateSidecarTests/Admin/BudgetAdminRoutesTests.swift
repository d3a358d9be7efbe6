import Foundation
import Testing
import TollgateBudget
import TollgateHTTP
@testable import TollgateSidecar

struct BudgetAdminRoutesTests {
    static let token = "admin-token-0123456789"
    let now: UTCNanos = 1_773_489_600_000_000_000

    func engine() -> BudgetEngine {
        BudgetEngine([BudgetDefinition(id: "day", unit: .totalTokens, window: .day, limit: 1_000)], now: now)
    }

    func routes(_ e: BudgetEngine?, token: String? = token) -> BudgetAdminRoutes {
        let at = now
        return BudgetAdminRoutes(engine: e, token: token, now: { at })
    }

    func headers(_ auth: String?) -> HTTPHeaders {
        var h = HTTPHeaders()
        if let auth { h.add("Authorization", auth) }
        return h
    }

    func json(_ r: AdminResponse?) throws -> [String: Any] {
        let body = try #require(r?.body)
        return try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }

    func errorCode(_ r: AdminResponse?) throws -> String? {
        (try json(r)["error"] as? [String: Any])?["code"] as? String
    }

    /// Only POST /budgets/{id}/reset|adjust are these routes; the id is percent-decoded.
    @Test func routeMatching() {
        #expect(BudgetAdminRoutes.route("/budgets/day/reset")! == ("day", "reset"))
        #expect(BudgetAdminRoutes.route("/budgets/team%2Da/adjust?x=1")! == ("team-a", "adjust"))
        #expect(BudgetAdminRoutes.route("/budgets") == nil)
        #expect(BudgetAdminRoutes.route("/budgets//reset") == nil)
        #expect(BudgetAdminRoutes.route("/budgets/day/delete") == nil)
        #expect(BudgetAdminRoutes.route("/budgets/day/reset/x") == nil)
        #expect(BudgetAdminRoutes.route("/budgets/%zz/reset") == nil)
    }

    /// Equal only for identical bytes, whatever the lengths.
    @Test func constantTimeCompare() {
        let a = Array("abcdef".utf8)
        #expect(BudgetAdminRoutes.constantTimeEquals(a, a))
        #expect(!BudgetAdminRoutes.constantTimeEquals(a, Array("abcdeg".utf8)))
        #expect(!BudgetAdminRoutes.constantTimeEquals(a, Array("abcde".utf8)))
        #expect(!BudgetAdminRoutes.constantTimeEquals(a, a + a))
        #expect(!BudgetAdminRoutes.constantTimeEquals([], a))
        #expect(BudgetAdminRoutes.constantTimeEquals([], []))
    }

    /// No token configured: 403 naming the flag; wrong or missing token: 401; nothing changes.
    @Test func authentication() throws {
        let e = engine()
        let closed = routes(e, token: nil).handle(method: "POST", path: "/budgets/day/reset", headers: headers("Bearer \(Self.token)"), body: [])
        #expect(closed?.status == 403)
        #expect(try errorCode(closed) == "admin_token_required")
        let open = routes(e)
        for auth in [nil, "Bearer", "Bearer wrong", "Basic \(Self.token)", "Bearer \(Self.token)x", Self.token] {
            let r = open.handle(method: "POST", path: "/budgets/day/adjust", headers: headers(auth), body: Array("{\"used_delta\":5}".utf8))
            #expect(r?.status == 401, "\(auth ?? "none")")
        }
        #expect(e.status("day", now: now)?.used == 0)
        let ok = open.handle(method: "POST", path: "/budgets/day/adjust", headers: headers("bearer \(Self.token)"), body: Array("{\"used_delta\":5}".utf8))
        #expect(ok?.status == 200)
        #expect(e.status("day", now: now)?.used == 5)
    }

    /// adjust by delta, set absolute, reset; unknown budget 404; GET 405; no engine 404.
    @Test func changes() throws {
        let e = engine()
        let r = routes(e)
        let auth = headers("Bearer \(Self.token)")
        func post(_ path: Substring, _ body: String) -> AdminResponse? {
            r.handle(method: "POST", path: path, headers: auth, body: Array(body.utf8))
        }
        #expect(post("/budgets/day/adjust", "{\"used_delta\": 300}")?.status == 200)
        #expect(post("/budgets/day/adjust", "{\"used_delta\": -100}")?.status == 200)
        #expect(e.status("day", now: now)?.used == 200)
        let set = post("/budgets/day/adjust", "{\"used\": 42}")
        let budgets = try #require(try json(set)["budgets"] as? [[String: Any]])
        #expect(budgets.first?["used"] as? Int == 42)
        #expect(post("/budgets/day/reset", "")?.status == 200)
        #expect(e.status("day", now: now)?.used == 0)
        #expect(try errorCode(post("/budgets/nope/reset", "")) == "unknown_budget")
        #expect(post("/budgets/nope/reset", "")?.status == 404)
        #expect(r.handle(method: "GET", path: "/budgets/day/reset", headers: auth, body: [])?.status == 405)
        #expect(routes(nil).handle(method: "POST", path: "/budgets/day/reset", headers: auth, body: [])?.status == 404)
        #expect(r.handle(method: "GET", path: "/budgets", headers: auth, body: []) == nil)
        // Without a journal there is nothing to wait for.
        #expect(set?.after == nil)
    }

    /// With a journal, the answer waits for the change's record to be durable.
    @Test func answerWaitsForJournal() throws {
        final class Held: BudgetJournal, @unchecked Sendable {
            var waiting: [@Sendable (Bool) -> Void] = []
            func append(_ record: WALRecord) -> WALTicket { WALTicket(sequence: 1) }
            func onDurable(_ ticket: WALTicket, _ done: @escaping @Sendable (Bool) -> Void) { waiting.append(done) }
        }
        let journal = Held()
        let e = BudgetEngine([BudgetDefinition(id: "day", unit: .totalTokens, window: .day, limit: 1_000)], now: now, journal: journal)
        let r = routes(e).handle(method: "POST", path: "/budgets/day/adjust", headers: headers("Bearer \(Self.token)"),
                                 body: Array("{\"used_delta\": 9}".utf8))
        let after = try #require(r?.after)
        let got = Collected()
        after { got.add($0) }
        #expect(got.responses.isEmpty)
        #expect(journal.waiting.count == 1)
        journal.waiting[0](false)
        #expect(got.responses.count == 1)
        #expect(got.responses.first??.status == 503)
        // A change that changes nothing writes no record and is answered at once.
        let noop = routes(e).handle(method: "POST", path: "/budgets/day/adjust", headers: headers("Bearer \(Self.token)"),
                                    body: Array("{\"used_delta\": 0}".utf8))
        #expect(noop?.status == 200 && noop?.after == nil)
    }

    /// Adjust bodies: used_delta or used, integers only, one of them, nothing else.
    @Test func adjustmentBodies() throws {
        #expect(try BudgetAdjustment.parse(Array("{\"used_delta\": -5}".utf8)) == .delta(-5))
        #expect(try BudgetAdjustment.parse(Array("{\"used\": 7}".utf8)) == .absolute(7))
        for bad in ["", "[]", "{}", "{\"used\": -1}", "{\"used\": 1.5}", "{\"used\": \"3\"}", "{\"used\":1,\"used_delta\":2}", "{\"limit\":3}"] {
            #expect(throws: AdminRequestError.self, "\(bad)") { try BudgetAdjustment.parse(Array(bad.utf8)) }
        }
    }
}

/// Collects what an `AdminResponse.after` hands back.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [AdminResponse?] = []
    var responses: [AdminResponse?] { lock.withLock { stored } }
    func add(_ r: AdminResponse?) { lock.withLock { stored.append(r) } }
}

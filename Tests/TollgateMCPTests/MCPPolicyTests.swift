import Testing
@testable import TollgateMCP

struct MCPPolicyTests {
    /// Star and question mark match as in a shell; other characters literally.
    @Test func glob() {
        #expect(GlobPattern("*").matches(""))
        #expect(GlobPattern("search_*").matches("search_docs"))
        #expect(!GlobPattern("search_*").matches("research_docs"))
        #expect(GlobPattern("*_delete").matches("ticket_delete"))
        #expect(GlobPattern("a?c").matches("abc") && !GlobPattern("a?c").matches("ac"))
        #expect(GlobPattern("*a*b*").matches("xxaxxbxx") && !GlobPattern("*a*b*").matches("xxbxxaxx"))
        #expect(GlobPattern("docs/*").matches("docs/search"))
    }

    /// Servers: deny wins, an allow list restricts, none allows all.
    @Test func servers() {
        let p = MCPPolicy(name: "p", servers: [GlobPattern("docs"), GlobPattern("t*")], denyServers: [GlobPattern("tmp")])
        #expect(p.mayUse(server: "docs") && p.mayUse(server: "tickets"))
        #expect(!p.mayUse(server: "tmp") && !p.mayUse(server: "other"))
        #expect(MCPPolicy.open.mayUse(server: "anything"))
    }

    /// Tool patterns with "/" name the server; deny wins over allow.
    @Test func tools() {
        let p = MCPPolicy(name: "p", allowTools: [GlobPattern("search*"), GlobPattern("tickets/*")], denyTools: [GlobPattern("*_delete"), GlobPattern("tickets/admin*")])
        #expect(p.mayCall(server: "docs", tool: "search"))
        #expect(!p.mayCall(server: "docs", tool: "write"))
        #expect(p.mayCall(server: "tickets", tool: "create"))
        #expect(!p.mayCall(server: "tickets", tool: "admin_reset"))
        #expect(!p.mayCall(server: "tickets", tool: "ticket_delete"))
    }

    /// check() names the policy and the reason; size is checked after permission.
    @Test func check() {
        let p = MCPPolicy(name: "planner", servers: [GlobPattern("docs")], denyTools: [GlobPattern("drop")], maxArgumentBytes: 10)
        #expect(p.check(server: "x", tool: "a", argumentBytes: 1)?.reason == .serverNotAllowed)
        #expect(p.check(server: "docs", tool: "drop", argumentBytes: 1)?.reason == .toolNotAllowed)
        #expect(p.check(server: "docs", tool: "a", argumentBytes: 11)?.reason == .argumentsTooLarge)
        #expect(p.check(server: "docs", tool: "a", argumentBytes: 10) == nil)
        let r = p.check(server: "docs", tool: "drop", argumentBytes: 1)!
        #expect(r.policy == "planner" && r.message.contains("planner"))
    }

    /// A refusal is a JSON-RPC error with the request id, Tollgate's code and the reason as data.
    @Test func refusalResponse() throws {
        let r = MCPRefusal(.rateLimited, policy: "p", server: "s", tool: "t", message: "slow down", retryAfterSeconds: 5)
        let v = r.response(id: .number("9"))
        #expect(v["id"] == .number("9"))
        #expect(v["error"]?["code"]?.intValue == JSONRPCErrorCode.limitExceeded)
        #expect(v["error"]?["data"]?["reason"] == .string("rate_limited"))
        #expect(v["error"]?["data"]?["retry_after_seconds"]?.intValue == 5)
        #expect(try JSONRPCReader().message(v).kind == .error)
    }

    /// Limits apply to the tools their pattern matches.
    @Test func limitIndices() {
        let p = MCPPolicy(name: "p", limits: [MCPCallLimit(tools: GlobPattern("*"), calls: 5, window: "minute"),
                                              MCPCallLimit(tools: GlobPattern("docs/search"), calls: 1, window: "second")])
        #expect(p.limitIndices(server: "docs", tool: "search") == [0, 1])
        #expect(p.limitIndices(server: "docs", tool: "read") == [0])
    }
}

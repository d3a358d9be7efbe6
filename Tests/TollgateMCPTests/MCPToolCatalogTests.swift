import Testing
import TollgateJSON
@testable import TollgateMCP

struct MCPToolCatalogTests {
    func tool(_ name: String, _ desc: String = "") -> JSONValue {
        .object([("name", .string(name)), ("description", .string(desc)), ("inputSchema", .object([("type", .string("object"))]))])
    }

    /// Two servers' tools merge under prefixed names and resolve back to their owner.
    @Test func mergeAndResolve() {
        let c = MCPToolCatalog(lists: [("docs", [tool("search"), tool("read")]), ("tickets", [tool("search")])])
        #expect(c.entries.map(\.name) == ["docs_search", "docs_read", "tickets_search"])
        #expect(c.resolve("tickets_search")?.server == "tickets")
        #expect(c.resolve("tickets_search")?.tool == "search")
        #expect(c.resolve("nope") == nil)
        let listed = c.tools { $0.server == "docs" }
        #expect(listed.map { $0["name"]?.stringValue } == ["docs_search", "docs_read"])
        // Everything but the name is the server's own description.
        #expect(listed[0]["inputSchema"] == tool("search")["inputSchema"])
    }

    /// A collision between a hashed name and a plain one is broken by a longer hash.
    @Test func collisionGetsLongerHash() {
        let hashed = MCPToolNaming.prefixed(server: "a", tool: "x.y")
        let plainTool = String(hashed.dropFirst(2))  // "x_y-<hash>" as a real tool name on server a
        let c = MCPToolCatalog(lists: [("a", [tool(plainTool), tool("x.y")])])
        #expect(c.entries.count == 2)
        #expect(Set(c.entries.map(\.name)).count == 2)
        #expect(c.entries.allSatisfy { MCPToolNaming.isValid($0.name) })
        #expect(c.resolve(c.entries[1].name)?.tool == "x.y")
    }

    /// Tools without a name are skipped; a duplicate keeps the first definition.
    @Test func skipsBadAndDuplicate() {
        let c = MCPToolCatalog(lists: [("a", [.object([("description", .string("x"))]), tool("t", "first"), tool("t", "second")])])
        #expect(c.entries.count == 1)
        #expect(c.entries[0].definition["description"] == .string("first"))
    }
}

extension MCPToolCatalogTests {
    /// A name once given never changes as later pages arrive, even when a later tool of an
    /// earlier server would have taken it in a fresh merge.
    @Test func namesStableAcrossPages() {
        let hashed = MCPToolNaming.prefixed(server: "a", tool: "x.y")
        let plainTool = String(hashed.dropFirst(2))
        var c = MCPToolCatalog()
        let first = c.add(server: "a", tools: [tool("x.y")])
        let later = c.add(server: "a", tools: [tool(plainTool)])
        #expect(first[0].name == hashed)
        #expect(later[0].name != hashed && MCPToolNaming.isValid(later[0].name))
        #expect(c.resolve(hashed)?.tool == "x.y")
        #expect(c.resolve(later[0].name)?.tool == plainTool)
        // Listing the first page again returns the same names, with the newer definition.
        let again = c.add(server: "a", tools: [tool("x.y", "v2")])
        #expect(again[0].name == hashed && c.resolve(hashed)?.definition["description"] == .string("v2"))
        #expect(c.entries.count == 2)
    }

    /// Removing a server forgets its tools and keeps everyone else's names.
    @Test func removeServers() {
        var c = MCPToolCatalog(lists: [("a", [tool("t")]), ("b", [tool("t"), tool("u")])])
        c.remove(servers: ["a"])
        #expect(c.resolve("a_t") == nil)
        #expect(c.resolve("b_u")?.tool == "u")
        #expect(c.add(server: "b", tools: [tool("u")])[0].name == "b_u")
        #expect(c.entries.count == 2)
    }

    /// A server that keeps listing new names cannot grow the catalog past its per-server cap.
    @Test func perServerCap() {
        var c = MCPToolCatalog()
        let batch = 5000
        for round in 0..<6 {
            c.add(server: "a", tools: (0..<batch).map { tool("t\(round)-\($0)") })
        }
        #expect(c.entries.count <= MCPToolCatalog.maxToolsPerServer)
        #expect(c.resolve("a_t5-0") != nil)
    }
}

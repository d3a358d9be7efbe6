import Testing
import TollgateJSON
@testable import TollgateMCP

struct MCPToolPagesTests {
    let key = Array("pages test key".utf8)

    func tools(_ names: [String]) -> [JSONValue] {
        names.map { .object([("name", .string($0)), ("inputSchema", .object([("type", .string("object"))]))]) }
    }

    /// A simulated server paging `names` `size` at a time; cursors are offsets as text.
    func page(_ server: String, _ names: [String], size: Int, cursor: String?) -> MCPToolPages.Fetched {
        let start = cursor.flatMap { Int($0) } ?? 0
        let end = min(start + size, names.count)
        return .init(server: server, tools: tools(Array(names[start..<end])), nextCursor: end < names.count ? String(end) : nil)
    }

    /// Without a cursor every allowed server is asked for its first page; a null cursor too.
    @Test func firstPagePlan() throws {
        let plan = try MCPToolPages.plan(cursor: nil, servers: ["a", "b"], key: key)
        #expect(plan == [.init(server: "a", cursor: nil), .init(server: "b", cursor: nil)])
        #expect(try MCPToolPages.plan(cursor: .null, servers: ["a"], key: key) == [.init(server: "a", cursor: nil)])
    }

    /// Paging through the aggregate of a paginating server (25 tools, 4 a page) and a plain one
    /// yields every tool exactly once, in a few pages, each at most one page per server.
    @Test func pagesThroughEverything() throws {
        let big = (0..<25).map { "t\($0)" }
        let small = ["x", "y"]
        var catalog = MCPToolCatalog()
        var cursor: JSONValue? = nil
        var seen: [String] = []
        var pages = 0
        repeat {
            let plan = try MCPToolPages.plan(cursor: cursor, servers: ["big", "small"], key: key)
            let fetched = plan.map { r in r.server == "big" ? page("big", big, size: 4, cursor: r.cursor) : page("small", small, size: 10, cursor: r.cursor) }
            let (list, next) = MCPToolPages.merge(fetched, catalog: &catalog) { _ in true }
            #expect(list.count <= 4 + 2)
            seen += list.compactMap { $0["name"]?.stringValue }
            cursor = next.map { .string($0.encode(key: key)) }
            pages += 1
        } while cursor != nil && pages < 100
        #expect(pages == 7)
        #expect(seen.count == 27 && Set(seen).count == 27)
        #expect(Set(seen) == Set(big.map { "big_" + $0 } + small.map { "small_" + $0 }))
        for name in seen { #expect(catalog.resolve(name) != nil) }
    }

    /// The policy filter applies to every page; a page may come back empty yet continue.
    @Test func policyFiltersEachPage() throws {
        var catalog = MCPToolCatalog()
        let f1 = MCPToolPages.Fetched(server: "a", tools: tools(["secret1", "secret2"]), nextCursor: "2")
        let (l1, n1) = MCPToolPages.merge([f1], catalog: &catalog) { !$0.tool.hasPrefix("secret") }
        #expect(l1.isEmpty && n1 == MCPAggregateCursor(pending: [.init(server: "a", cursor: "2")]))
        let f2 = MCPToolPages.Fetched(server: "a", tools: tools(["open", "secret3"]), nextCursor: nil)
        let (l2, n2) = MCPToolPages.merge([f2], catalog: &catalog) { !$0.tool.hasPrefix("secret") }
        #expect(l2.map { $0["name"]?.stringValue } == ["a_open"] && n2 == nil)
    }

    /// A failed server drops out of the page and of the continuation; others go on.
    @Test func failedServerDropsOut() {
        var catalog = MCPToolCatalog()
        let (list, next) = MCPToolPages.merge([.init(server: "a", result: nil), .init(server: "b", tools: tools(["t"]), nextCursor: "n")],
                                              catalog: &catalog) { _ in true }
        #expect(list.count == 1 && next?.pending == [.init(server: "b", cursor: "n")])
    }

    /// A server's result object: tools and a non-empty string nextCursor are read; anything else ends its list.
    @Test func fetchedFromResult() throws {
        let r = try JSONValue(parsing: #"{"tools":[{"name":"a"}],"nextCursor":"c2"}"#)
        #expect(MCPToolPages.Fetched(server: "s", result: r).nextCursor == "c2")
        for text in [#"{"tools":[],"nextCursor":""}"#, #"{"tools":[],"nextCursor":5}"#, #"{"tools":[]}"#] {
            #expect(MCPToolPages.Fetched(server: "s", result: try JSONValue(parsing: text)).nextCursor == nil)
        }
        #expect(MCPToolPages.Fetched(server: "s", result: try JSONValue(parsing: #"{"nextCursor":"x"}"#)).tools == nil)
    }

    /// Cursors naming a server the caller cannot use now, or that are not strings, are invalid params.
    @Test func badCursorsRefused() {
        let forOther = MCPAggregateCursor(pending: [.init(server: "hidden", cursor: "1")]).encode(key: key)
        for c: JSONValue in [.string(forOther), .number("3"), .object([]), .bool(true), .string("garbage"), .array([])] {
            do {
                _ = try MCPToolPages.plan(cursor: c, servers: ["a", "b"], key: key)
                Issue.record("accepted \(c)")
            } catch {
                #expect(error.code == JSONRPCErrorCode.invalidParams)
            }
        }
    }

    /// Continuations come back in configuration order whatever order the cursor lists them in.
    @Test func continuationOrder() throws {
        let c = MCPAggregateCursor(pending: [.init(server: "b", cursor: "2"), .init(server: "a", cursor: "1")]).encode(key: key)
        let plan = try MCPToolPages.plan(cursor: .string(c), servers: ["a", "b", "c"], key: key)
        #expect(plan == [.init(server: "a", cursor: "1"), .init(server: "b", cursor: "2")])
    }
}

extension MCPToolPagesTests {
    /// A merged page keeps the shortest ttl and is always private; results without directives stay without.
    @Test func cacheHints() throws {
        var r = try JSONValue(parsing: #"{"tools":[],"ttlMs":60000,"cacheScope":"public"}"#)
        MCPToolPages.mergeCacheHints(into: &r, from: [r, try JSONValue(parsing: #"{"ttlMs":5000,"cacheScope":"public"}"#), .null])
        #expect(r["ttlMs"] == .number("5000") && r["cacheScope"] == .string("private"))
        var legacy = try JSONValue(parsing: #"{"tools":[]}"#)
        MCPToolPages.mergeCacheHints(into: &legacy, from: [legacy])
        #expect(legacy["ttlMs"] == nil && legacy["cacheScope"] == nil)
    }
}

import TollgateJSON

/// How the aggregate pages `tools/list`: the first request asks every server the caller may use
/// for its first page; each later request asks the servers whose lists went on (the cursor's
/// continuations) for their next pages, all at once. Every page is filtered by the caller's
/// policy and named through the catalog, and the aggregate's `nextCursor` carries the servers
/// that still have pages. A client paging to the end sees every tool of every server once.
public enum MCPToolPages {
    /// One server page to fetch: `cursor` nil for its first.
    public struct Request: Sendable, Equatable {
        public var server: String
        public var cursor: String?

        public init(server: String, cursor: String?) {
            self.server = server
            self.cursor = cursor
        }
    }

    /// One server's answer to its page request.
    public struct Fetched: Sendable {
        public var server: String
        /// The `result.tools` array; nil when the server failed (its list ends here).
        public var tools: [JSONValue]?
        /// The server's `result.nextCursor` (a non-empty string), if its list goes on.
        public var nextCursor: String?

        public init(server: String, tools: [JSONValue]?, nextCursor: String?) {
            self.server = server
            self.tools = tools
            self.nextCursor = nextCursor
        }

        /// From a server's `result` object (nil: no usable list).
        public init(server: String, result: JSONValue?) {
            self.server = server
            tools = result?["tools"]?.arrayValue
            let next = tools == nil ? nil : result?["nextCursor"]?.stringValue
            nextCursor = next?.isEmpty == false ? next : nil
        }
    }

    /// The pages a request's `params.cursor` asks for. `servers`: the servers the caller may
    /// use now, in configuration order. A cursor that is not a string, not Tollgate's, or names
    /// a server outside `servers` (removed, or no longer allowed) is an invalid params error.
    public static func plan(cursor: JSONValue?, servers: [String], key: [UInt8]) throws(JSONRPCReadError) -> [Request] {
        switch cursor {
        case nil, .null?:
            return servers.map { Request(server: $0, cursor: nil) }
        case .string(let text)?:
            let c = try MCPAggregateCursor.decode(text, key: key)
            for p in c.pending where !servers.contains(p.server) {
                throw MCPAggregateCursor.invalid("the cursor continues MCP server '\(p.server)', which this caller cannot use now")
            }
            // Configuration order, whatever order the cursor lists them in.
            return servers.compactMap { s in c.pending.first { $0.server == s }.map { Request(server: s, cursor: $0.cursor) } }
        default:
            throw MCPAggregateCursor.invalid("'cursor' must be a string")
        }
    }

    /// One aggregate page from the servers' pages (in request order): the tools `include`
    /// admits, under their catalog names, and the continuation of the servers whose lists go on.
    public static func merge(_ fetched: [Fetched], catalog: inout MCPToolCatalog,
                             include: (MCPToolCatalog.Entry) -> Bool) -> (tools: [JSONValue], next: MCPAggregateCursor?) {
        var tools: [JSONValue] = []
        var pending: [MCPAggregateCursor.Continuation] = []
        for f in fetched {
            guard let list = f.tools else { continue }
            for e in catalog.add(server: f.server, tools: list) where include(e) { tools.append(e.exposed) }
            if let next = f.nextCursor { pending.append(.init(server: f.server, cursor: next)) }
        }
        return (tools, pending.isEmpty ? nil : MCPAggregateCursor(pending: pending))
    }

    /// Sets the 2026-07-28 caching directives of a merged page (when `result` carries them): the
    /// shortest `ttlMs` any server gave, and `cacheScope` "private", since the page depends on
    /// the caller's policy (a shared cache must never serve one agent's list to another).
    public static func mergeCacheHints(into result: inout JSONValue, from results: [JSONValue]) {
        guard result["ttlMs"] != nil || result["cacheScope"] != nil else { return }
        let ttls = results.compactMap { $0["ttlMs"]?.int64Value }.filter { $0 >= 0 }
        result.setMember("ttlMs", .number(String(ttls.min() ?? 0)))
        result.setMember("cacheScope", .string("private"))
    }
}

import TollgateJSON

/// The merged tool list of several servers: every tool under its exposed (prefixed) name, and
/// the way back from an exposed name to the server and original name. Grows page by page as
/// servers' lists are read: a (server, tool) pair keeps the name it was first given, so a name
/// shown on one page still resolves while later pages (of any server) arrive, and a new pair
/// whose name is taken gets a longer hash instead of renaming the older one.
public struct MCPToolCatalog: Sendable {
    public struct Entry: Sendable, Equatable {
        public var server: String
        /// The tool's name on its server.
        public var tool: String
        /// The name the aggregate shows.
        public var name: String
        /// The tool object as the server described it (name unchanged).
        public var definition: JSONValue

        /// The definition under the exposed name, for a tools/list result.
        public var exposed: JSONValue { definition.settingMember("name", .string(name)) }
    }

    private struct Pair: Hashable {
        var server: String
        var tool: String
    }

    public private(set) var entries: [Entry] = []
    private var byName: [String: Int] = [:]
    private var byPair: [Pair: Int] = [:]
    private var perServer: [String: Int] = [:]
    /// Tools kept per server: a server that keeps inventing names must not grow the sidecar
    /// without end; past this its entries start over (plain names still resolve without them).
    public static let maxToolsPerServer = 20_000

    public init() {}

    /// Merges `lists` (server, tools array) in order.
    public init(lists: [(server: String, tools: [JSONValue])]) {
        for (server, tools) in lists { add(server: server, tools: tools) }
    }

    /// Adds one page of `server`'s tools and returns their entries in page order. Tools without
    /// a string name are skipped, as is a tool listed twice on the page (the first definition
    /// wins); a known pair keeps its name and takes the newer definition.
    @discardableResult
    public mutating func add(server: String, tools: [JSONValue]) -> [Entry] {
        if perServer[server, default: 0] + tools.count > Self.maxToolsPerServer { remove(servers: [server]) }
        var page: [Entry] = []
        var seen = Set<String>()
        for t in tools {
            guard let tool = t["name"]?.stringValue, !tool.isEmpty, seen.insert(tool).inserted else { continue }
            let pair = Pair(server: server, tool: tool)
            if let i = byPair[pair] {
                entries[i].definition = t
                page.append(entries[i])
                continue
            }
            var name = MCPToolNaming.prefixed(server: server, tool: tool)
            var digits = MCPToolNaming.hashDigits
            while byName[name] != nil && digits < 40 {
                digits += 6
                name = MCPToolNaming.hashed(server: server, tool: tool, digits: digits)
            }
            guard byName[name] == nil else { continue }
            byName[name] = entries.count
            byPair[pair] = entries.count
            perServer[server, default: 0] += 1
            let e = Entry(server: server, tool: tool, name: name, definition: t)
            entries.append(e)
            page.append(e)
        }
        return page
    }

    /// Forgets every tool of `servers` (removed from the configuration, or pointed elsewhere).
    public mutating func remove(servers: Set<String>) {
        guard entries.contains(where: { servers.contains($0.server) }) else { return }
        let kept = entries.filter { !servers.contains($0.server) }
        self = MCPToolCatalog()
        for e in kept {
            byName[e.name] = entries.count
            byPair[Pair(server: e.server, tool: e.tool)] = entries.count
            perServer[e.server, default: 0] += 1
            entries.append(e)
        }
    }

    public func resolve(_ name: String) -> Entry? {
        byName[name].map { entries[$0] }
    }

    /// The tools the caller may see, with exposed names, for a tools/list result.
    public func tools(where include: (Entry) -> Bool) -> [JSONValue] {
        entries.filter(include).map(\.exposed)
    }
}

import TollgateJSON

/// The merged tool list of several servers: every tool under its exposed (prefixed) name, and
/// the way back from an exposed name to the server and original name. Built from the servers'
/// tools/list results in configuration order, so the same inputs always give the same names.
public struct MCPToolCatalog: Sendable {
    public struct Entry: Sendable, Equatable {
        public var server: String
        /// The tool's name on its server.
        public var tool: String
        /// The name the aggregate shows.
        public var name: String
        /// The tool object as the server described it (name unchanged).
        public var definition: JSONValue
    }

    public private(set) var entries: [Entry] = []
    private var byName: [String: Int] = [:]

    public init() {}

    /// Merges `lists` (server, tools array). Tools without a string name are skipped; a name
    /// that two pairs would share is re-derived with a longer hash for the later pair.
    public init(lists: [(server: String, tools: [JSONValue])]) {
        for (server, tools) in lists {
            for t in tools {
                guard let tool = t["name"]?.stringValue, !tool.isEmpty else { continue }
                // A server listing one tool twice: the first definition wins.
                if entries.contains(where: { $0.server == server && $0.tool == tool }) { continue }
                var name = MCPToolNaming.prefixed(server: server, tool: tool)
                var digits = MCPToolNaming.hashDigits
                while byName[name] != nil && digits < 32 {
                    digits += 6
                    name = MCPToolNaming.hashed(server: server, tool: tool, digits: digits)
                }
                guard byName[name] == nil else { continue }
                byName[name] = entries.count
                entries.append(Entry(server: server, tool: tool, name: name, definition: t))
            }
        }
    }

    public func resolve(_ name: String) -> Entry? {
        byName[name].map { entries[$0] }
    }

    /// The tools the caller may see, with exposed names, for a tools/list result.
    public func tools(where include: (Entry) -> Bool) -> [JSONValue] {
        entries.filter(include).map { $0.definition.settingMember("name", .string($0.name)) }
    }
}

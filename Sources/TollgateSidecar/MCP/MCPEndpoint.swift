/// Which MCP endpoint a request path names: `/mcp` (the aggregate of every server the caller
/// may use) or `/mcp/NAME` (one server, passed through under policy).
enum MCPEndpoint {
    case aggregate
    case server(MCPServerSettings)
    case unknownServer(String)

    /// nil when the path is not an MCP path at all.
    init?(path: Substring, settings: MCPSettings) {
        var p = path
        if let q = p.firstIndex(of: "?") { p = p[..<q] }
        guard p.hasPrefix("/mcp") else { return nil }
        let rest = p.dropFirst(4)
        if rest.isEmpty || rest == "/" {
            self = .aggregate
            return
        }
        guard rest.hasPrefix("/") else { return nil }
        var name = rest.dropFirst()
        if name.hasSuffix("/") { name = name.dropLast() }
        if let s = settings.server(named: name) {
            self = .server(s)
        } else {
            self = .unknownServer(String(name))
        }
    }

    /// The query string of `path`, with its "?", or "".
    static func query(of path: String) -> Substring {
        guard let q = path.firstIndex(of: "?") else { return "" }
        return path[q...]
    }
}

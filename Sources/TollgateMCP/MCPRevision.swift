/// The two shapes of MCP streamable HTTP: the handshake era (initialize, Mcp-Session-Id, GET
/// stream, DELETE; up to 2025-11-25) and the per-request era (2026-07-28: no session, every
/// POST carries MCP-Protocol-Version, Mcp-Method and Mcp-Name).
public enum MCPRevision: Sendable, Equatable {
    case handshake(String)
    case perRequest(String)

    public static let handshakeVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]
    public static let perRequestVersions = ["2026-07-28"]
    public static let latestHandshake = "2025-11-25"
    public static let latestPerRequest = "2026-07-28"

    /// From the MCP-Protocol-Version header; absent means the handshake era (a client sends no
    /// version on its initialize, and 2025-03-26 clients never send one).
    public init(header: String?) {
        guard let v = header else {
            self = .handshake(Self.latestHandshake)
            return
        }
        self = Self.perRequestVersions.contains(v) ? .perRequest(v) : .handshake(v)
    }

    public var version: String {
        switch self {
        case .handshake(let v), .perRequest(let v): v
        }
    }

    public var isPerRequest: Bool {
        if case .perRequest = self { return true }
        return false
    }
}

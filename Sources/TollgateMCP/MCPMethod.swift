/// Facts about MCP methods that a proxy needs without understanding every payload.
public enum MCPMethod {
    public static let initialize = "initialize"
    public static let discover = "server/discover"
    public static let ping = "ping"
    public static let toolsList = "tools/list"
    public static let toolsCall = "tools/call"
    public static let subscriptionsListen = "subscriptions/listen"
    public static let initialized = "notifications/initialized"
    public static let cancelled = "notifications/cancelled"
    public static let progress = "notifications/progress"

    /// Client-to-server notifications all live under `notifications/`.
    public static func isNotification(_ method: String) -> Bool {
        method.hasPrefix("notifications/")
    }

    /// The params member mirrored in the 2026-07-28 `Mcp-Name` header, if the method has one.
    public static func nameParameterKey(_ method: String) -> String? {
        switch method {
        case "tools/call", "prompts/get": "name"
        case "resources/read": "uri"
        default: nil
        }
    }

    /// Methods whose answer depends only on the server, not on the caller's session: the
    /// aggregate answers these itself.
    public static func isLifecycle(_ method: String) -> Bool {
        method == initialize || method == discover || method == ping
    }
}

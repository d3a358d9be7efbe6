/// A cap on tool calls: at most `calls` calls of the tools matching `tools` per `window`
/// (second, minute, hour: a rate limit; day, month, lifetime: a budget). Counted by the budget
/// engine, per policy.
public struct MCPCallLimit: Sendable, Hashable {
    public var tools: GlobPattern
    public var calls: Int64
    /// The budget window's config spelling.
    public var window: String

    public init(tools: GlobPattern, calls: Int64, window: String) {
        self.tools = tools
        self.calls = calls
        self.window = window
    }
}

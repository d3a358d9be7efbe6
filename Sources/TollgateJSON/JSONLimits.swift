/// Limits shared by the parser and the scanner.
public enum JSONLimits {
    /// Default nesting limit: deep enough for any real request (tool schemas nest a few levels),
    /// shallow enough that recursion can never exhaust a thread's stack.
    public static let defaultMaxDepth = 128
    /// Hard ceiling on any configured depth: both readers recurse once per level.
    public static let maxDepthCeiling = 1024

    static func clampDepth(_ depth: Int) -> Int { min(max(depth, 1), maxDepthCeiling) }
}

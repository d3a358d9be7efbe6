/// JSON-RPC 2.0 and MCP error codes Tollgate answers with.
public enum JSONRPCErrorCode {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    /// Tollgate's own range (implementation-defined server errors are -32000...-32099).
    /// A tool call refused by the caller's policy (server or tool not allowed).
    public static let policyDenied = -32040
    /// The call's arguments exceed the policy's size limit.
    public static let argumentsTooLarge = -32041
    /// A per-tool rate limit or tool-call budget is exhausted.
    public static let limitExceeded = -32042
    /// The loop guard saw the same call too often.
    public static let loopDetected = -32043
    /// An upstream MCP server failed or is unknown to the aggregate.
    public static let upstreamError = -32044
}

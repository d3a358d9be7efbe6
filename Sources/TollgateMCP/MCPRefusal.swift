import TollgateJSON

/// A tools/call Tollgate refused, and why: becomes a JSON-RPC error carrying the request's id,
/// the policy's name and the reason, so the agent (and whoever reads its transcript) can tell a
/// policy decision from a tool failure.
public struct MCPRefusal: Sendable, Equatable {
    public enum Reason: String, Sendable {
        case serverNotAllowed = "server_not_allowed"
        case toolNotAllowed = "tool_not_allowed"
        case argumentsTooLarge = "arguments_too_large"
        case rateLimited = "rate_limited"
        case budgetExhausted = "budget_exhausted"
        case loopDetected = "loop_detected"
        case unknownTool = "unknown_tool"
        /// The caller's aggregate session has no session with the tool's server yet (the server
        /// joined by a reload, or was down at initialize); a tools/list opens it.
        case noUpstreamSession = "no_upstream_session"

        public var code: Int {
            switch self {
            case .serverNotAllowed, .toolNotAllowed: JSONRPCErrorCode.policyDenied
            case .argumentsTooLarge: JSONRPCErrorCode.argumentsTooLarge
            case .rateLimited, .budgetExhausted: JSONRPCErrorCode.limitExceeded
            case .loopDetected: JSONRPCErrorCode.loopDetected
            case .unknownTool: JSONRPCErrorCode.invalidParams
            case .noUpstreamSession: JSONRPCErrorCode.upstreamError
            }
        }
    }

    public var reason: Reason
    public var policy: String
    public var server: String?
    public var tool: String?
    public var message: String
    /// For limits: when a retry can succeed.
    public var retryAfterSeconds: Int?

    public init(_ reason: Reason, policy: String, server: String?, tool: String?, message: String, retryAfterSeconds: Int? = nil) {
        self.reason = reason
        self.policy = policy
        self.server = server
        self.tool = tool
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The JSON-RPC error response for request `id`.
    public func response(id: JSONRPCID) -> JSONValue {
        var data: [(key: String, value: JSONValue)] = [("reason", .string(reason.rawValue)), ("policy", .string(policy))]
        if let server { data.append(("server", .string(server))) }
        if let tool { data.append(("tool", .string(tool))) }
        if let retryAfterSeconds { data.append(("retry_after_seconds", .number(String(retryAfterSeconds)))) }
        return JSONRPCMessage.error(id: id, code: reason.code, message: "Tollgate refused the tool call: " + message, data: .object(data))
    }
}

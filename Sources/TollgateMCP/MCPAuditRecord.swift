import TollgateJSON

/// One tools/call as the audit log records it: who called which tool on which server, a digest
/// of the arguments (never the arguments), how it ended and how long it took.
public struct MCPAuditRecord: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// The server answered with a result that is not an error.
        case ok
        /// A JSON-RPC error, a result with isError, an HTTP error or a cut stream.
        case error
        /// Tollgate refused the call.
        case refused
    }

    /// Unix time in milliseconds.
    public var timeMillis: Int64
    public var requestID: String
    public var agent: String?
    public var keyID: String?
    public var team: String?
    public var policy: String
    public var server: String
    public var tool: String
    public var argumentDigest: String
    public var argumentBytes: Int
    public var status: Status
    /// The refusal reason, or the error's code.
    public var detail: String?
    public var durationMillis: Double
    public var responseBytes: Int64

    public init(timeMillis: Int64, requestID: String, agent: String?, keyID: String?, team: String?, policy: String,
                server: String, tool: String, argumentDigest: String, argumentBytes: Int, status: Status,
                detail: String?, durationMillis: Double, responseBytes: Int64) {
        self.timeMillis = timeMillis
        self.requestID = requestID
        self.agent = agent
        self.keyID = keyID
        self.team = team
        self.policy = policy
        self.server = server
        self.tool = tool
        self.argumentDigest = argumentDigest
        self.argumentBytes = argumentBytes
        self.status = status
        self.detail = detail
        self.durationMillis = durationMillis
        self.responseBytes = responseBytes
    }

    /// One JSON line, newline-terminated.
    public func jsonLine() -> [UInt8] {
        func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        let ms = (durationMillis * 1000).rounded() / 1000
        let v: JSONValue = .object([
            ("type", .string("mcp_tool_call")),
            ("time_ms", .number(String(timeMillis))),
            ("request_id", .string(requestID)),
            ("agent", opt(agent)),
            ("key_id", opt(keyID)),
            ("team", opt(team)),
            ("policy", .string(policy)),
            ("server", .string(server)),
            ("tool", .string(tool)),
            ("arguments_sha256", .string(argumentDigest)),
            ("arguments_bytes", .number(String(argumentBytes))),
            ("status", .string(status.rawValue)),
            ("detail", opt(detail)),
            ("duration_ms", .number(String(ms))),
            ("response_bytes", .number(String(responseBytes))),
        ])
        var out = v.serialized()
        out.append(0x0A)
        return out
    }
}

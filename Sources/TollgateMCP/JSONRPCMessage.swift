import TollgateJSON

/// One JSON-RPC 2.0 message as MCP sends it over HTTP: a request (has a method and an id), a
/// notification (a method, no id), or a response (an id with a result or an error).
public struct JSONRPCMessage: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case request
        case notification
        case response
        case error
    }

    public var kind: Kind
    /// nil for notifications.
    public var id: JSONRPCID?
    /// Requests and notifications only.
    public var method: String?
    /// The params member of a request or notification, as sent (object or array); nil if absent.
    public var params: JSONValue?
    /// The whole message, so a rewrite changes only what it must.
    public var value: JSONValue

    public init(kind: Kind, id: JSONRPCID?, method: String?, params: JSONValue?, value: JSONValue) {
        self.kind = kind
        self.id = id
        self.method = method
        self.params = params
        self.value = value
    }

    /// `params.name` (tools/call, prompts/get) or `params.uri` (resources/read): what the
    /// 2026-07-28 revision mirrors in the Mcp-Name header.
    public var nameParameter: String? {
        guard let method, let key = MCPMethod.nameParameterKey(method) else { return nil }
        return params?[key]?.stringValue
    }

    /// A response carrying `result`.
    public static func result(id: JSONRPCID, _ result: JSONValue) -> JSONValue {
        .object([("jsonrpc", .string("2.0")), ("id", id.json), ("result", result)])
    }

    /// An error response; `data` is added when given.
    public static func error(id: JSONRPCID, code: Int, message: String, data: JSONValue? = nil) -> JSONValue {
        var err: [(key: String, value: JSONValue)] = [("code", .number(String(code))), ("message", .string(message))]
        if let data { err.append(("data", data)) }
        return .object([("jsonrpc", .string("2.0")), ("id", id.json), ("error", .object(err))])
    }
}

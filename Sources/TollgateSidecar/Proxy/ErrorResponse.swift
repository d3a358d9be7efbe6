import TollgateHTTP
import TollgateJSON

/// The API dialect a caller speaks, so every refusal answers in the caller's protocol.
public enum APIDialect: Sendable, Equatable {
    case openAI
    case anthropic
    case mcp

    /// Chooses by path: Anthropic's /v1/messages family, MCP endpoints, else OpenAI.
    public static func forPath(_ path: Substring) -> APIDialect {
        // Byte prefixes on the contiguous UTF-8 (runs twice per request; `starts(with:)` on a
        // Substring's UTF8View walked index by index, ~500 instructions a call).
        let u = path.utf8
        let dialect = u.withContiguousStorageIfAvailable { b -> APIDialect in
            if hasPrefix(b, "/v1/messages") { return .anthropic }
            if hasPrefix(b, "/mcp") && (b.count == 4 || b[4] == UInt8(ascii: "/")) { return .mcp }
            return .openAI
        }
        if let dialect { return dialect }
        if u.starts(with: "/v1/messages".utf8) { return .anthropic }
        if u.starts(with: "/mcp".utf8) && (u.count == 4 || u.dropFirst(4).first == UInt8(ascii: "/")) { return .mcp }
        return .openAI
    }

    private static func hasPrefix(_ b: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard b.count >= n else { return false }
        for i in 0..<n where b[i] != prefix.utf8Start[i] { return false }
        return true
    }
}

/// A proxy-generated error: HTTP status plus a machine-readable code and a clear message.
public struct ProxyError: Error, Sendable, Equatable {
    public var status: Int
    /// OpenAI-style `type` ("invalid_request_error", "upstream_error", ...).
    public var type: String
    public var code: String
    public var message: String
    public var extraHeaders: HTTPHeaders = HTTPHeaders()
    /// Exact bodies per dialect, when the refusing component writes its own (budget refusals).
    public var customBodies: [APIDialect: [UInt8]] = [:]

    public init(status: Int, type: String, code: String, message: String) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
    }

    public static func upstreamUnavailable(_ detail: String) -> ProxyError {
        ProxyError(status: 502, type: "upstream_error", code: "upstream_unavailable", message: "upstream unavailable: \(detail)")
    }

    public static func upstreamTimeout(_ detail: String) -> ProxyError {
        ProxyError(status: 504, type: "upstream_error", code: "upstream_timeout", message: "upstream timed out: \(detail)")
    }

    public static func badRequest(_ status: Int, code: String, _ message: String) -> ProxyError {
        ProxyError(status: status, type: "invalid_request_error", code: code, message: message)
    }

    /// The response head and body for `dialect`.
    public func response(for dialect: APIDialect, version: HTTPVersion = .http1_1) -> (HTTPResponseHead, [UInt8]) {
        if let custom = customBodies[dialect] {
            var headers = HTTPHeaders()
            headers.add("content-type", "application/json")
            headers.add("content-length", String(custom.count))
            for f in extraHeaders { headers.add(f.name, f.value) }
            return (HTTPResponseHead(status: status, version: version, headers: headers), custom)
        }
        let body: String
        switch dialect {
        case .openAI:
            body = "{\"error\":{\"message\":\(JSONText.quote(message)),\"type\":\(JSONText.quote(type)),\"param\":null,\"code\":\(JSONText.quote(code))}}"
        case .anthropic:
            body = "{\"type\":\"error\",\"error\":{\"type\":\(JSONText.quote(anthropicType)),\"message\":\(JSONText.quote(message))}}"
        case .mcp:
            body = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":\(jsonRPCCode),\"message\":\(JSONText.quote(message)),\"data\":{\"code\":\(JSONText.quote(code))}}}"
        }
        var headers = HTTPHeaders()
        headers.add("content-type", "application/json")
        headers.add("content-length", String(body.utf8.count))
        for f in extraHeaders { headers.add(f.name, f.value) }
        return (HTTPResponseHead(status: status, version: version, headers: headers), Array(body.utf8))
    }

    var anthropicType: String {
        switch status {
        case 400, 411, 413, 414, 431: return status == 413 ? "request_too_large" : "invalid_request_error"
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 429: return "rate_limit_error"
        case 529: return "overloaded_error"
        default: return "api_error"
        }
    }

    var jsonRPCCode: Int {
        switch status {
        case 400...499: return -32600
        default: return -32603
        }
    }
}

/// Minimal JSON text helpers for the bodies the proxy writes itself.
public enum JSONText {
    public static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        JSONValue.writeString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

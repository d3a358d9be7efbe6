/// MCP's HTTP header names (lowercase) and the 2026-07-28 header value codec: values that are
/// not plain printable ASCII travel as `=?base64?...?=`.
public enum MCPHeaders {
    public static let sessionID = "mcp-session-id"
    public static let protocolVersion = "mcp-protocol-version"
    public static let method = "mcp-method"
    public static let name = "mcp-name"
    public static let lastEventID = "last-event-id"

    /// The header form of `value`.
    public static func encode(_ value: String) -> String {
        let u = Array(value.utf8)
        let printable = u.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
        let trimmed = u.first != 0x20 && u.last != 0x20
        if printable && trimmed && !(value.hasPrefix("=?base64?") && value.hasSuffix("?=")) { return value }
        return "=?base64?" + Base64.encode(u) + "?="
    }

    /// The value a header carries, or nil for a malformed base64 form.
    public static func decode(_ header: String) -> String? {
        guard header.hasPrefix("=?base64?"), header.hasSuffix("?="), header.utf8.count >= 11 else { return header }
        let payload = header.dropFirst(9).dropLast(2)
        guard let bytes = Base64.decode(payload), Base64.encode(bytes) == String(payload) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}

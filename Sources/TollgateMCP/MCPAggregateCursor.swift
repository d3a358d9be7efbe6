import TollgateCrypto
import TollgateJSON

/// The aggregate's `tools/list` cursor: the servers whose lists go on, each with the cursor its
/// own last page gave. Opaque to clients (base64url), and signed with a key of the sidecar's
/// configuration (the caller supplies it) so a cursor Tollgate did not write, or one altered, is
/// refused (-32602, as the MCP pagination rules say) instead of steering requests to servers.
///
/// Wire form: base64url(payload ‖ HMAC-SHA256(key, payload)[0..<16]), payload being the JSON
/// `{"v":1,"p":[["server","upstream cursor"],...]}`.
public struct MCPAggregateCursor: Sendable, Equatable {
    public struct Continuation: Sendable, Equatable {
        public var server: String
        /// The server's own `nextCursor`, passed back to it unchanged.
        public var cursor: String

        public init(server: String, cursor: String) {
            self.server = server
            self.cursor = cursor
        }
    }

    public var pending: [Continuation]

    public init(pending: [Continuation]) {
        self.pending = pending
    }

    static let version = "1"
    static let macBytes = 16
    /// Longest cursor text read back: far more than any real one, small enough to refuse cheaply.
    public static let maxEncodedBytes = 64 * 1024
    /// Servers one cursor may name (a configuration has far fewer).
    public static let maxServers = 256

    public func encode(key: [UInt8]) -> String {
        let pairs: [JSONValue] = pending.map { .array([.string($0.server), .string($0.cursor)]) }
        let payload = JSONValue.object([("v", .number(Self.version)), ("p", .array(pairs))]).serialized()
        return Base64.encodeURL(payload + Self.mac(key: key, payload))
    }

    /// The cursor `text` stands for; anything Tollgate did not write with `key` is an invalid
    /// params error. Never traps, whatever the input.
    public static func decode(_ text: String, key: [UInt8]) throws(JSONRPCReadError) -> MCPAggregateCursor {
        guard text.utf8.count <= maxEncodedBytes else { throw invalid("the cursor is too long") }
        guard let bytes = Base64.decodeURL(text), bytes.count > macBytes else { throw invalid("the cursor is not one this endpoint issued") }
        let payload = Array(bytes.dropLast(macBytes))
        guard Digest.constantTimeEquals(Array(bytes.suffix(macBytes)), mac(key: key, payload)) else {
            throw invalid("the cursor is not one this endpoint issued (or its MCP servers changed since)")
        }
        // Signed by us, so well-formed; checked anyway: a key shared with an older version must
        // not make a shape change crash.
        guard let doc = try? JSONValue(parsing: payload, maxDepth: 4), doc["v"] == .number(version),
              let pairs = doc["p"]?.arrayValue, !pairs.isEmpty, pairs.count <= maxServers else {
            throw invalid("the cursor is malformed")
        }
        var pending: [Continuation] = []
        for p in pairs {
            guard let a = p.arrayValue, a.count == 2, let server = a[0].stringValue, let cursor = a[1].stringValue,
                  MCPToolNaming.isValidServerName(server), !pending.contains(where: { $0.server == server }) else {
                throw invalid("the cursor is malformed")
            }
            pending.append(Continuation(server: server, cursor: cursor))
        }
        return MCPAggregateCursor(pending: pending)
    }

    static func mac(key: [UInt8], _ payload: [UInt8]) -> [UInt8] {
        Array(Digest.hmacSHA256(key: key, message: payload).prefix(macBytes))
    }

    static func invalid(_ why: String) -> JSONRPCReadError {
        JSONRPCReadError(code: JSONRPCErrorCode.invalidParams, message: "Invalid params: \(why); list again without a cursor")
    }
}

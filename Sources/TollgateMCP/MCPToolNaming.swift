import TollgateCrypto

/// How the aggregate names a server's tool: `<server>_<tool>`, kept valid for every model API
/// that will see it (`^[a-zA-Z0-9_-]{1,64}$`). Server names never contain `_` (the settings
/// refuse it), so a plain name splits back at its first `_`. A tool name with other characters,
/// or too long, is sanitized, truncated and given a hash suffix of the original pair, so the
/// result is deterministic and distinct tools do not meet on one name.
public enum MCPToolNaming {
    public static let maxLength = 64
    /// Hex digits of SHA-256 appended to names that could not be kept as they were.
    public static let hashDigits = 10

    public static func isValid(_ name: String) -> Bool {
        let u = name.utf8
        return !u.isEmpty && u.count <= maxLength && u.allSatisfy(isNameByte)
    }

    static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
    }

    /// A server name usable as a prefix: letters, digits and `-`, 1 to 32 of them.
    public static func isValidServerName(_ name: String) -> Bool {
        let u = name.utf8
        return !u.isEmpty && u.count <= 32 && u.allSatisfy { isNameByte($0) && $0 != 0x5F }
    }

    /// The exposed name of `tool` on `server`.
    public static func prefixed(server: String, tool: String, hashDigits: Int = hashDigits) -> String {
        let plain = server + "_" + tool
        if isValid(plain) && !tool.isEmpty { return plain }
        return hashed(server: server, tool: tool, digits: hashDigits)
    }

    /// The sanitized, truncated form with a hash suffix (used for names that cannot stay plain
    /// and to break a collision).
    public static func hashed(server: String, tool: String, digits: Int = hashDigits) -> String {
        let sanitized = String(decoding: Array((server + "_" + tool).utf8).map { isNameByte($0) ? $0 : 0x5F }, as: UTF8.self)
        let digest = Digest.hex(Digest.sha256(Array(server.utf8) + [0] + Array(tool.utf8)))
        let n = min(max(digits, 4), 40)
        let keep = maxLength - n - 1
        return String(sanitized.utf8.prefix(keep))! + "-" + String(digest.prefix(n))
    }

    /// The server and tool of a plain exposed name, when `name` is exactly how that pair is
    /// named (hashed names need the catalog).
    public static func split(_ name: String, servers: Set<String>) -> (server: String, tool: String)? {
        guard let underscore = name.firstIndex(of: "_") else { return nil }
        let server = String(name[..<underscore])
        let tool = String(name[name.index(after: underscore)...])
        guard servers.contains(server), !tool.isEmpty, prefixed(server: server, tool: tool) == name else { return nil }
        return (server, tool)
    }
}

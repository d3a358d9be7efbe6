/// A document was not strict RFC 8259 JSON (or broke a limit). Carries the byte offset of the
/// problem and its 1-based line and column (columns count bytes), so a config file or a
/// refused request body can point at the exact spot.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unexpectedEnd
        case unexpectedByte
        case invalidEscape
        /// A \u escape that is not a valid scalar (lone or misordered surrogate).
        case invalidUnicode
        case invalidUTF8
        /// An unescaped byte below 0x20 inside a string.
        case controlCharacter
        case invalidNumber
        /// Containers nested deeper than the reader's limit.
        case tooDeep
        /// Something other than whitespace after the top-level value.
        case trailingData
        /// A key the caller asked for appears twice in one object: two readers (Tollgate and
        /// the upstream) could disagree on its value, so the scanner refuses to pick one.
        case duplicateKey
        /// The value is not of the kind the operation needs (e.g. splicing into a non-object).
        case typeMismatch
    }

    public var code: Code
    public var message: String
    /// Byte offset of the problem in the document.
    public var offset: Int
    /// 1-based line (LF-separated) of `offset`.
    public var line: Int
    /// 1-based byte column of `offset` within its line.
    public var column: Int

    public init(_ code: Code, _ message: String, offset: Int, line: Int, column: Int) {
        self.code = code
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Computes line and column of `offset` in `bytes`; only on the error path, so the hot path
    /// never counts lines.
    public init(_ code: Code, _ message: String, offset: Int, in bytes: UnsafeRawBufferPointer) {
        var line = 1
        var lineStart = 0
        let end = min(offset, bytes.count)
        var i = 0
        while i < end {
            if bytes[i] == 0x0A { line += 1; lineStart = i + 1 }
            i += 1
        }
        self.init(code, message, offset: offset, line: line, column: offset - lineStart + 1)
    }

    public var description: String {
        "JSON error \(code.rawValue) at \(line):\(column) (byte \(offset)): \(message)"
    }
}

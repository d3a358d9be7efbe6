/// A syntax error in a configuration file: where, what kind, and what was expected.
/// `description` is the conventional "file:line:col: message" that editors can jump to.
public struct ConfigParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// Something other than what the grammar allows at this point.
        case syntax
        /// A line indented differently from its siblings.
        case indentation
        /// A tab where indentation is expected.
        case tab
        /// A quoted string or flow collection that never closes.
        case unterminated
        case duplicateKey
        /// A YAML feature this subset rejects on purpose (anchors, tags, several documents...).
        case unsupported
        case invalidEscape
        /// A control character or non-UTF-8 byte.
        case invalidCharacter
        /// Nesting beyond the parser's depth limit.
        case tooDeep
        /// The file could not be read; the location has no line (line 0).
        case io
    }

    public var code: Code
    public var location: SourceLocation
    public var message: String

    public init(_ code: Code, at location: SourceLocation, _ message: String) {
        self.code = code
        self.location = location
        self.message = message
    }

    public var description: String {
        // An I/O error has no position in the file to name.
        if location.line == 0 { return "\(location.file): \(message)" }
        return "\(location): \(message)"
    }
}

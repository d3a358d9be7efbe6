/// A configuration that parses but does not fit the schema: an unknown or missing key, a
/// value of the wrong type or out of range, a secret reference that does not resolve.
/// Messages never contain a resolved secret value.
public struct ConfigDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case unknownKey
        case missingKey
        case typeMismatch
        case outOfRange
        /// Right type, but not an accepted value (a bad duration, an unknown enum case...).
        case invalidValue
        /// `${NAME}` with NAME unset and no default, or a malformed reference.
        case unresolvedVariable
        /// A `file:` secret that cannot be read.
        case secretFile
    }

    public var code: Code
    public var location: SourceLocation
    public var message: String
    /// Dotted key path of the value ("providers.openai.timeout", "models[2]"); empty for the root.
    public var path: String

    public init(_ code: Code, at location: SourceLocation, path: String = "", _ message: String) {
        self.code = code
        self.location = location
        self.path = path
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

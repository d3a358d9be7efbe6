/// One node of a parsed configuration document: a mapping, a sequence or a scalar, with the
/// place it starts so that every later error (parse, type, unknown key, secret) can name it.
///
/// The tree keeps what the typed layer needs to give precise errors and nothing more: mapping
/// key order and key locations, and for scalars the source text and style (a quoted "8080" is
/// a string, a plain 8080 an integer).
public struct ConfigNode: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case mapping([ConfigMappingEntry])
        case sequence([ConfigNode])
        case scalar(ConfigScalar)
    }

    public var value: Value
    /// Where the node starts: the first key of a block mapping, the first '-' of a block
    /// sequence, the opening bracket of a flow collection, the first character of a scalar.
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    /// An empty value (`key:` with nothing after it) at `location`.
    public static func null(at location: SourceLocation) -> ConfigNode {
        ConfigNode(.scalar(ConfigScalar(text: "", style: .plain)), at: location)
    }

    public var entries: [ConfigMappingEntry]? {
        if case .mapping(let e) = value { return e }
        return nil
    }

    public var items: [ConfigNode]? {
        if case .sequence(let i) = value { return i }
        return nil
    }

    public var scalar: ConfigScalar? {
        if case .scalar(let s) = value { return s }
        return nil
    }

    /// True for an empty value and for plain `null` / `~`.
    public var isNull: Bool { scalar?.isNull ?? false }

    /// The value of `key` if this is a mapping that has it.
    public subscript(key: String) -> ConfigNode? {
        entries?.first { $0.key == key }?.value
    }

    /// "a mapping", "a list", "null", "a string": for "expected X, found Y" messages.
    var kindDescription: String {
        switch value {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s):
            if s.isNull { return s.text.isEmpty ? "an empty value" : "null" }
            return s.isQuoted ? "a quoted string" : "a scalar"
        }
    }
}

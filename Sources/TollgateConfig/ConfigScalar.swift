/// A scalar as written: its text after unescaping/folding, and how it was written. Typing is
/// left to the decoder, which needs the style: only plain scalars are numbers, booleans or null.
public struct ConfigScalar: Sendable, Equatable {
    public enum Style: Sendable, Equatable {
        case plain
        case singleQuoted
        case doubleQuoted
        /// `|` block scalar.
        case literal
        /// `>` block scalar.
        case folded
    }

    public var text: String
    public var style: Style

    public init(text: String, style: Style) {
        self.text = text
        self.style = style
    }

    public var isQuoted: Bool { style == .singleQuoted || style == .doubleQuoted }
    public var isPlain: Bool { style == .plain }

    /// YAML 1.2 core schema nulls: empty, `~`, `null` in its three spellings; plain only.
    public var isNull: Bool {
        guard style == .plain else { return false }
        switch text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }
}

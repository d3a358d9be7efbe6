/// Parses the YAML subset documented in docs/configuration.md (JSON included, being YAML flow
/// style) into a `ConfigNode` tree. Pure: no I/O, no global state, never traps on any input.
public enum ConfigParser {
    /// Deepest nesting of collections accepted; deeper input is an error, not a stack overflow.
    public static let defaultMaxDepth = 64

    public static func parse(
        text: String, file: String, maxDepth: Int = defaultMaxDepth
    ) throws(ConfigParseError) -> ConfigNode {
        var state = ConfigParserState(cursor: try ConfigCursor(text: text, file: file), maxDepth: maxDepth)
        return try state.parseDocument()
    }
}

/// Reads and parses a configuration file, returning the tree and a SHA-256 of the bytes, so
/// that a reload (SIGHUP, or a ConfigMap update noticed by polling) can tell whether anything
/// changed before it rebuilds anything.
public enum ConfigSource {
    /// Configuration files are small; a cap keeps a mistaken path from exhausting memory.
    public static let maxFileSize = 16 << 20

    public static func load(
        path: String, maxDepth: Int = ConfigParser.defaultMaxDepth
    ) throws(ConfigParseError) -> (root: ConfigNode, contentHash: String) {
        switch ConfigFileReader.contents(ofFile: path, limit: maxFileSize) {
        case .failure(let reason):
            throw ConfigParseError(.io, at: SourceLocation(file: path, line: 0, column: 0), "cannot read configuration file: \(reason)")
        case .contents(let bytes):
            return try parse(bytes: bytes, file: path, maxDepth: maxDepth)
        }
    }

    /// Parses file contents given as bytes: they must be UTF-8, and a byte that is not is
    /// reported at its line and column rather than silently replaced.
    public static func parse(
        bytes: [UInt8], file: String, maxDepth: Int = ConfigParser.defaultMaxDepth
    ) throws(ConfigParseError) -> (root: ConfigNode, contentHash: String) {
        let text = try decodeUTF8(bytes, file: file)
        let root = try ConfigParser.parse(text: text, file: file, maxDepth: maxDepth)
        return (root, ConfigSHA256.hex(bytes))
    }

    /// SHA-256 of `bytes` as lowercase hex, the same fingerprint `load` returns.
    public static func contentHash(of bytes: [UInt8]) -> String { ConfigSHA256.hex(bytes) }

    static func decodeUTF8(_ bytes: [UInt8], file: String) throws(ConfigParseError) -> String {
        var scalars = String.UnicodeScalarView()
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var line = 1
        var column = 1
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let c):
                scalars.append(c)
                if c == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .emptyInput:
                return String(scalars)
            case .error:
                throw ConfigParseError(
                    .invalidCharacter, at: SourceLocation(file: file, line: line, column: column),
                    "invalid UTF-8; configuration files must be UTF-8 text")
            }
        }
    }
}

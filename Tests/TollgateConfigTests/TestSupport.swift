@testable import TollgateConfig

/// Parses `text` as the file "t.yaml".
func parse(_ text: String) throws(ConfigParseError) -> ConfigNode {
    try ConfigParser.parse(text: text, file: "t.yaml")
}

/// The parse error's "file:line:col: message", or "no error: <tree>".
func parseError(_ text: String) -> String {
    do {
        let node = try parse(text)
        return "no error: \(show(node))"
    } catch {
        return error.description
    }
}

/// A compact rendering of a tree for assertions: `{key: value}`, `[a, b]`, plain scalars bare,
/// quoted and block scalars as Swift string literals, an empty value as `~`.
func show(_ node: ConfigNode) -> String {
    switch node.value {
    case .mapping(let entries):
        return "{" + entries.map { "\($0.key): \(show($0.value))" }.joined(separator: ", ") + "}"
    case .sequence(let items):
        return "[" + items.map(show).joined(separator: ", ") + "]"
    case .scalar(let s):
        if s.isPlain { return s.text.isEmpty ? "~" : s.text }
        return s.text.debugDescription
    }
}

/// Parses and shows, or shows the error.
func tree(_ text: String) -> String {
    do {
        return show(try parse(text))
    } catch {
        return "error: \(error.description)"
    }
}

/// A decoder over `text`, with the given environment and in-memory files for secrets.
func decoder(_ text: String, env: [String: String] = [:], files: [String: String] = [:]) throws -> ConfigDecoder {
    let resolver = SecretResolver(environment: env) { (path: String) throws(SecretFileError) -> [UInt8] in
        guard let s = files[path] else { throw SecretFileError(reason: "No such file or directory") }
        return Array(s.utf8)
    }
    return ConfigDecoder(try parse(text), secrets: resolver)
}

/// Runs `body` and returns the decode error's description ("no error" if none).
func decodeError(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch let e as ConfigDecodeError {
        return e.description
    } catch {
        return "other error: \(error)"
    }
}

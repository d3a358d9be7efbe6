/// Flow collections: `[a, b]` and `{k: v}`, nestable, over several lines, which is also how
/// JSON documents are read. Differences from full YAML, chosen for clearer errors: every
/// flow mapping entry needs a ':' (no `{a}` shorthand) and `[k: v]` single-pair mappings are
/// rejected.
extension ConfigParserState {
    mutating func parseFlowCollection(parentIndent: Int, depth: Int) throws(ConfigParseError) -> ConfigNode {
        try checkDepth(depth)
        let location = cursor.location
        let isMapping = cursor.current == "{"
        let closer: Unicode.Scalar = isMapping ? "}" : "]"
        let unterminated = ConfigParseError(
            .unterminated, at: location,
            isMapping ? "unterminated flow mapping: no matching '}'" : "unterminated flow sequence: no matching ']'")
        cursor.advance()
        var entries: [ConfigMappingEntry] = []
        var seen: [String: SourceLocation] = [:]
        var items: [ConfigNode] = []
        try skipFlowSpace(parentIndent: parentIndent, unterminated: unterminated)
        while cursor.current != closer {
            if cursor.current == "," {
                throw error(.syntax, "expected a \(isMapping ? "mapping key" : "value") or '\(closer)', found ','")
            }
            if isMapping {
                let keyLocation = cursor.location
                let key: ConfigNode
                switch cursor.current {
                case "\"", "'": key = try scanQuoted(parentIndent: parentIndent)
                case "[", "{": throw error(.syntax, "expected a mapping key; flow collections cannot be keys")
                case "]": throw error(.syntax, "expected a mapping key or '}', found ']'")
                case ":": throw error(.syntax, "expected a mapping key before ':'")
                default: key = try scanPlainFlow()
                }
                let keyText = key.scalar?.text ?? ""
                if let first = seen[keyText] {
                    throw ConfigParseError(
                        .duplicateKey, at: keyLocation, "duplicate key '\(ConfigMessageText.show(keyText))' (first defined at \(first))")
                }
                seen[keyText] = keyLocation
                try skipFlowSpace(parentIndent: parentIndent, unterminated: unterminated)
                guard cursor.current == ":" else { throw error(.syntax, "expected ':' after mapping key") }
                let afterColon = cursor.location
                cursor.advance()
                try skipFlowSpace(parentIndent: parentIndent, unterminated: unterminated)
                let value: ConfigNode
                if cursor.current == "," || cursor.current == "}" {
                    value = .null(at: afterColon)
                } else {
                    value = try parseFlowNode(parentIndent: parentIndent, depth: depth)
                }
                entries.append(ConfigMappingEntry(key: keyText, keyLocation: keyLocation, value: value))
            } else {
                if cursor.current == "}" { throw error(.syntax, "expected a value or ']', found '}'") }
                items.append(try parseFlowNode(parentIndent: parentIndent, depth: depth))
            }
            try skipFlowSpace(parentIndent: parentIndent, unterminated: unterminated)
            if cursor.current == "," {
                cursor.advance()
                try skipFlowSpace(parentIndent: parentIndent, unterminated: unterminated)
                continue
            }
            if cursor.current == closer { break }
            if !isMapping && cursor.current == ":" {
                throw error(.syntax, "expected ',' or ']'; write a mapping inside a list with braces: [{key: value}]")
            }
            throw error(.syntax, "expected ',' or '\(closer)'")
        }
        cursor.advance()
        return ConfigNode(isMapping ? .mapping(entries) : .sequence(items), at: location)
    }

    mutating func parseFlowNode(parentIndent: Int, depth: Int) throws(ConfigParseError) -> ConfigNode {
        switch cursor.current {
        case "[", "{":
            return try parseFlowCollection(parentIndent: parentIndent, depth: depth + 1)
        case "\"", "'":
            return try scanQuoted(parentIndent: parentIndent)
        case "|", ">":
            throw error(.syntax, "block scalars ('|', '>') are not allowed inside '[...]' or '{...}'")
        default:
            return try scanPlainFlow()
        }
    }

    /// Whitespace, line breaks and comments between flow tokens. A flow collection may span
    /// lines, but each line must be indented more than the block around it; a line that is not
    /// means the closing bracket is missing, which is the error to report.
    mutating func skipFlowSpace(parentIndent: Int, unterminated: ConfigParseError) throws(ConfigParseError) {
        while true {
            cursor.skipBlanks()
            if cursor.atComment { cursor.skipToLineEnd() }
            guard let c = cursor.current else { throw unterminated }
            guard c == "\n" else { return }
            cursor.advance()
            cursor.skipBlanks()
            if let n = cursor.current, n != "\n", n != "#" {
                // A closing bracket alone may sit at the block's indentation ("k: [\n  a\n]").
                let closerOnly = (n == "]" || n == "}") && cursor.indent == parentIndent
                if cursor.indent <= parentIndent && !closerOnly { throw unterminated }
                if cursor.atDocumentMarker("-") || cursor.atDocumentMarker(".") { throw unterminated }
            }
        }
    }
}

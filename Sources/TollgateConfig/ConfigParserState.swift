/// The recursive-descent parser for the block (indentation) grammar. Flow collections and
/// scalars live in the extensions next to this file.
///
/// Invariant between block nodes: once a block node is parsed, the cursor stands on the first
/// character of the next line with content (or at the end), so the caller reads that line's
/// indentation from `cursor.indent` to decide whether it continues the current collection.
struct ConfigParserState {
    var cursor: ConfigCursor
    let maxDepth: Int

    /// Where a value sits, which decides what may appear on the rest of its line.
    enum InlineContext {
        case mappingValue
        case document
    }

    init(cursor: ConfigCursor, maxDepth: Int) {
        self.cursor = cursor
        self.maxDepth = maxDepth
    }

    func error(_ code: ConfigParseError.Code, _ message: String) -> ConfigParseError {
        ConfigParseError(code, at: cursor.location, message)
    }

    func checkDepth(_ depth: Int) throws(ConfigParseError) {
        if depth > maxDepth {
            throw error(.tooDeep, "nesting too deep (more than \(maxDepth) levels)")
        }
    }

    // MARK: Document

    mutating func parseDocument() throws(ConfigParseError) -> ConfigNode {
        let start = cursor.location
        guard try cursor.nextContentLine() != nil else { return .null(at: start) }
        if cursor.current == "%" && cursor.atLineStart {
            throw error(.unsupported, "directives ('%YAML', '%TAG') are not supported")
        }
        let node: ConfigNode
        if cursor.atDocumentMarker("-") {
            let markerEnd = SourceLocation(file: cursor.file, line: cursor.location.line, column: 4)
            cursor.advance(3)
            cursor.skipBlanks()
            if cursor.atComment || ConfigCursor.isBreakOrEnd(cursor.current) {
                try cursor.finishLine(after: "'---'")
                if try cursor.nextContentLine() == nil { return .null(at: markerEnd) }
                if cursor.atDocumentMarker("-") || cursor.atDocumentMarker(".") {
                    node = .null(at: markerEnd)
                } else {
                    node = try parseBlockNode(parentIndent: -1, depth: 0)
                }
            } else {
                node = try parseInlineValue(parentIndent: -1, depth: 0, context: .document)
            }
        } else {
            node = try parseBlockNode(parentIndent: -1, depth: 0)
        }
        guard !cursor.atEnd else { return node }
        if cursor.atDocumentMarker(".") {
            cursor.advance(3)
            try cursor.finishLine(after: "'...'")
            if try cursor.nextContentLine() != nil {
                throw error(.unsupported, "content after the document end marker '...'; only one document is supported")
            }
            return node
        }
        if cursor.atDocumentMarker("-") {
            throw error(.unsupported, "a second document ('---'); only one document per file is supported")
        }
        if isBlockCollection(node), cursor.indent != node.location.column - 1 {
            throw error(.indentation, "inconsistent indentation: expected \(node.location.column - 1) spaces")
        }
        if let e = missingSpaceAfterColon(node) { throw e }
        throw error(.syntax, "unexpected content after the document's top-level value; expected end of file")
    }

    /// A block mapping or sequence (not a flow one, which starts at its bracket).
    func isBlockCollection(_ node: ConfigNode) -> Bool {
        switch node.value {
        case .mapping, .sequence:
            let opener = cursor.character(at: node.location)
            return opener != "[" && opener != "{"
        case .scalar:
            return false
        }
    }

    // MARK: Block nodes

    /// Parses the node whose first character is under the cursor (at the start of a line's
    /// content, or after `- ` on the same line). `parentIndent` is the indentation of the
    /// enclosing collection: continuation lines of this node must be indented more.
    mutating func parseBlockNode(parentIndent: Int, depth: Int) throws(ConfigParseError) -> ConfigNode {
        guard let c = cursor.current else { return .null(at: cursor.location) }
        let next = cursor.peek(1)
        switch c {
        case "-" where ConfigCursor.isBlankOrBreakOrEnd(next):
            return try parseBlockSequence(indent: cursor.indent, compact: false, depth: depth + 1)
        case "[", "{":
            let node = try parseFlowCollection(parentIndent: parentIndent, depth: depth + 1)
            try cursor.finishLine(after: c == "[" ? "a flow sequence" : "a flow mapping")
            _ = try cursor.nextContentLine()
            return node
        case "|", ">":
            return try parseBlockScalar(parentIndent: parentIndent)
        case "\"", "'":
            let start = cursor.mark
            let startLine = cursor.location.line
            let scalar = try scanQuoted(parentIndent: parentIndent)
            cursor.skipBlanks()
            if cursor.current == ":" && ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)) {
                if cursor.location.line != startLine {
                    throw error(.syntax, "a quoted mapping key must be on a single line")
                }
                cursor.reset(to: start)
                return try parseBlockMapping(indent: cursor.indent, depth: depth + 1)
            }
            try cursor.finishLine(after: "a quoted string")
            _ = try cursor.nextContentLine()
            return scalar
        default:
            try rejectUnsupportedNodeStart()
            if lineHasMappingKey() {
                return try parseBlockMapping(indent: cursor.indent, depth: depth + 1)
            }
            let scalar = try scanPlainBlock()
            try cursor.finishLine(after: "a value")
            _ = try cursor.nextContentLine()
            return scalar.node
        }
    }

    /// Anchors, aliases, tags and complex keys are rejected with a message naming them, rather
    /// than misread as plain text.
    func rejectUnsupportedNodeStart() throws(ConfigParseError) {
        switch cursor.current {
        case "&": throw error(.unsupported, "anchors ('&') are not supported; repeat the value instead")
        case "*": throw error(.unsupported, "aliases ('*') are not supported; repeat the value instead")
        case "!": throw error(.unsupported, "tags ('!') are not supported")
        case "?" where ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)):
            throw error(.unsupported, "complex mapping keys ('? ') are not supported")
        default: return
        }
    }

    /// Whether the line from the cursor is `key: ...` with a plain key: scans to the first
    /// `: ` / `:` at end of line, stopping at a comment.
    func lineHasMappingKey() -> Bool {
        var i = cursor.index
        let chars = cursor.chars
        while i < chars.count, chars[i] != "\n" {
            let c = chars[i]
            if c == ":" {
                let n: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
                if ConfigCursor.isBlankOrBreakOrEnd(n) { return true }
            }
            if c == "#", i > cursor.index, ConfigCursor.isBlank(chars[i - 1]) { return false }
            i += 1
        }
        return false
    }

    // MARK: Block mappings

    mutating func parseBlockMapping(indent: Int, depth: Int) throws(ConfigParseError) -> ConfigNode {
        try checkDepth(depth)
        let location = cursor.location
        var entries: [ConfigMappingEntry] = []
        var seen: [String: SourceLocation] = [:]
        while true {
            let keyLocation = cursor.location
            let key = try parseBlockKey()
            if let first = seen[key] {
                throw ConfigParseError(
                    .duplicateKey, at: keyLocation, "duplicate key '\(ConfigMessageText.show(key))' (first defined at \(first))")
            }
            seen[key] = keyLocation
            let value = try parseMappingValue(mappingIndent: indent, depth: depth)
            entries.append(ConfigMappingEntry(key: key, keyLocation: keyLocation, value: value))

            guard !cursor.atEnd else { break }
            let k = cursor.indent
            if k < indent || (k == 0 && (cursor.atDocumentMarker("-") || cursor.atDocumentMarker("."))) { break }
            if k > indent {
                throw indentationError(expected: indent, after: value)
            }
            if cursor.current == "-" && ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)) {
                throw error(.syntax, "expected a mapping key, found a sequence entry '- '")
            }
        }
        return ConfigNode(.mapping(entries), at: location)
    }

    /// A line indented more than its collection but not part of the last value. If the last
    /// value was a block collection indented deeper, the line most likely meant to continue
    /// it, so that is the indentation to name.
    func indentationError(expected: Int, after value: ConfigNode) -> ConfigParseError {
        let k = cursor.indent
        switch value.value {
        case .mapping, .sequence:
            let opener = cursor.character(at: value.location)
            if opener == "[" || opener == "{" { break }
            let childIndent = value.location.column - 1
            if value.location.line < cursor.location.line, k < childIndent, childIndent > expected {
                return error(.indentation, "inconsistent indentation: expected \(childIndent) spaces")
            }
        case .scalar(let s):
            if let e = missingSpaceAfterColon(value) { return e }
            if s.style == .plain && !s.text.isEmpty {
                return error(
                    .indentation,
                    "inconsistent indentation: expected \(expected) spaces (a plain value cannot continue on the next line; quote it or use '|' or '>')"
                )
            }
        }
        return error(.indentation, "inconsistent indentation: expected \(expected) spaces")
    }

    /// `port:8080` is a plain scalar in YAML, not a key, and the error it causes shows up a
    /// line later as an indentation or extra-content error. When a plain value looks like
    /// that (a key-like word, ':', then no space and no "//" of a URL), name the real mistake.
    func missingSpaceAfterColon(_ node: ConfigNode) -> ConfigParseError? {
        guard let s = node.scalar, s.style == .plain else { return nil }
        let chars = Array(s.text.unicodeScalars)
        guard let colon = chars.firstIndex(of: ":"), colon > 0, colon + 1 < chars.count, chars[colon + 1] != "/" else {
            return nil
        }
        let keyLike = chars[..<colon].allSatisfy {
            $0.properties.isAlphabetic || ($0.value >= 0x30 && $0.value <= 0x39) || $0 == "_" || $0 == "-" || $0 == "."
        }
        let first = chars[0]
        guard keyLike, first.properties.isAlphabetic || first == "_" || (first.value >= 0x30 && first.value <= 0x39) else {
            return nil
        }
        let at = SourceLocation(file: node.location.file, line: node.location.line, column: node.location.column + colon)
        return ConfigParseError(.syntax, at: at, "expected a space after ':' (write 'key: value')")
    }

    /// Reads a block mapping key and its ':'.
    mutating func parseBlockKey() throws(ConfigParseError) -> String {
        switch cursor.current {
        case "\"", "'":
            let line = cursor.location.line
            // Keys are single-line: no continuation indentation is deep enough, so a quote left
            // open is reported at once as unterminated rather than swallowing the next keys.
            let key = try scanQuoted(parentIndent: Int.max)
            guard let text = key.scalar?.text else { return "" }
            cursor.skipBlanks()
            guard cursor.location.line == line, cursor.current == ":" else {
                throw error(.syntax, "expected ':' after mapping key")
            }
            cursor.advance()
            return text
        case "[", "{":
            throw error(.syntax, "expected a mapping key, found '\(cursor.current ?? " ")'; flow collections cannot be keys")
        case "|", ">":
            throw error(.syntax, "expected a mapping key, found '\(cursor.current ?? " ")'")
        case ":" where ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)):
            throw error(.syntax, "expected a mapping key before ':'")
        default:
            try rejectUnsupportedNodeStart()
            try rejectBadPlainStart()
            let keyLocation = cursor.location
            let start = cursor.index
            var end = start
            while let c = cursor.current, c != "\n" {
                if c == ":" && ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)) { break }
                if cursor.atComment { break }
                cursor.advance()
                if !ConfigCursor.isBlank(c) { end = cursor.index }
            }
            let text = cursor.string(start..<end)
            guard cursor.current == ":" else {
                let keyNode = ConfigNode(.scalar(ConfigScalar(text: text, style: .plain)), at: keyLocation)
                if let e = missingSpaceAfterColon(keyNode) { throw e }
                // Point where the ':' was expected: right after the key's text.
                let at = SourceLocation(file: cursor.file, line: cursor.location.line, column: end - cursor.index + cursor.column)
                throw ConfigParseError(.syntax, at: at, "expected ':' after mapping key")
            }
            cursor.advance()
            return text
        }
    }

    /// The value after `key:`: on the same line, or on the following lines indented more (or,
    /// for a sequence, indented the same: `key:\n- a` is common in Kubernetes-style files).
    mutating func parseMappingValue(mappingIndent: Int, depth: Int) throws(ConfigParseError) -> ConfigNode {
        cursor.skipBlanks()
        if cursor.atComment || ConfigCursor.isBreakOrEnd(cursor.current) {
            let nullLocation = cursor.location
            try cursor.finishLine(after: "':'")
            guard try cursor.nextContentLine() != nil else { return .null(at: nullLocation) }
            let k = cursor.indent
            if k > mappingIndent {
                return try parseBlockNode(parentIndent: mappingIndent, depth: depth)
            }
            if k == mappingIndent && cursor.current == "-" && ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)) {
                return try parseBlockSequence(indent: k, compact: true, depth: depth + 1)
            }
            return .null(at: nullLocation)
        }
        return try parseInlineValue(parentIndent: mappingIndent, depth: depth, context: .mappingValue)
    }

    /// A value that starts on the same line as its key (or as `---`): a scalar, a flow
    /// collection or a block scalar header, but never a nested block collection.
    mutating func parseInlineValue(parentIndent: Int, depth: Int, context: InlineContext) throws(ConfigParseError) -> ConfigNode {
        switch cursor.current {
        case "|", ">":
            return try parseBlockScalar(parentIndent: parentIndent)
        case "[", "{":
            let open = cursor.current
            let node = try parseFlowCollection(parentIndent: parentIndent, depth: depth + 1)
            try cursor.finishLine(after: open == "[" ? "a flow sequence" : "a flow mapping")
            _ = try cursor.nextContentLine()
            return node
        case "\"", "'":
            let scalar = try scanQuoted(parentIndent: parentIndent)
            cursor.skipBlanks()
            if cursor.current == ":" && ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)) {
                throw error(.syntax, "unexpected ':'; a nested mapping must start on its own line")
            }
            try cursor.finishLine(after: "a quoted string")
            _ = try cursor.nextContentLine()
            return scalar
        case "-" where ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)):
            throw error(
                .syntax,
                context == .document
                    ? "a block sequence cannot start on the same line as '---'"
                    : "a block sequence cannot start on the same line as its key; put the '- ' entries on the next lines")
        default:
            try rejectUnsupportedNodeStart()
            let scalar = try scanPlainBlock()
            if scalar.stoppedAtColon {
                throw error(
                    .syntax,
                    "unexpected ':' in a plain value; quote the value, or start the nested mapping on its own line")
            }
            try cursor.finishLine(after: "a value")
            _ = try cursor.nextContentLine()
            return scalar.node
        }
    }

    // MARK: Block sequences

    /// `compact` is a sequence that is a mapping value at the mapping's own indentation; it
    /// ends at the first line of that indentation that is not an entry instead of failing.
    mutating func parseBlockSequence(indent: Int, compact: Bool, depth: Int) throws(ConfigParseError) -> ConfigNode {
        try checkDepth(depth)
        let location = cursor.location
        var items: [ConfigNode] = []
        while true {
            // On the '-' of an entry.
            cursor.advance()
            cursor.skipBlanks()
            let item: ConfigNode
            if cursor.atComment || ConfigCursor.isBreakOrEnd(cursor.current) {
                let nullLocation = cursor.location
                try cursor.finishLine(after: "'-'")
                if try cursor.nextContentLine() != nil, cursor.indent > indent {
                    item = try parseBlockNode(parentIndent: indent, depth: depth)
                } else {
                    item = .null(at: nullLocation)
                }
            } else {
                item = try parseBlockNode(parentIndent: indent, depth: depth)
            }
            items.append(item)

            guard !cursor.atEnd else { break }
            let k = cursor.indent
            if k < indent || (k == 0 && (cursor.atDocumentMarker("-") || cursor.atDocumentMarker("."))) { break }
            if k > indent { throw indentationError(expected: indent, after: item) }
            if cursor.current == "-" && ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)) { continue }
            if compact { break }
            throw error(.syntax, "expected a sequence entry '- ' at this indentation")
        }
        return ConfigNode(.sequence(items), at: location)
    }
}

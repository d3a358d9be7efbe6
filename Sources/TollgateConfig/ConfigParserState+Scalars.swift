/// Scalars: plain (block and flow rules), single- and double-quoted with YAML line folding,
/// and literal/folded block scalars with chomping and indentation indicators.
extension ConfigParserState {
    struct PlainScalar {
        var node: ConfigNode
        /// The scan stopped at `: `, which the caller turns into a key or an error.
        var stoppedAtColon: Bool
    }

    /// Characters that cannot start a plain scalar (YAML indicators); quoting is the fix.
    func rejectBadPlainStart() throws(ConfigParseError) {
        guard let c = cursor.current else { return }
        switch c {
        case ",", "]", "}", "%", "@", "`", "#":
            throw error(.syntax, "'\(c)' cannot start a plain value; quote the value")
        default:
            return
        }
    }

    /// A plain scalar on one line in block context: ends at a comment, at `: ` or at the end
    /// of the line. Plain scalars never continue onto the next line in this subset.
    mutating func scanPlainBlock() throws(ConfigParseError) -> PlainScalar {
        try rejectBadPlainStart()
        let location = cursor.location
        let start = cursor.index
        var end = start
        var colon = false
        while let c = cursor.current, c != "\n" {
            if c == ":" && ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)) {
                colon = true
                break
            }
            if cursor.atComment { break }
            cursor.advance()
            if !ConfigCursor.isBlank(c) { end = cursor.index }
        }
        let text = cursor.string(start..<end)
        return PlainScalar(node: ConfigNode(.scalar(ConfigScalar(text: text, style: .plain)), at: location), stoppedAtColon: colon)
    }

    /// A plain scalar inside `[...]` / `{...}`: also ends at `,[]{}` and at a ':' followed by
    /// one of those, so that `{a: [x, y]}` splits where JSON users expect.
    mutating func scanPlainFlow() throws(ConfigParseError) -> ConfigNode {
        try rejectUnsupportedNodeStart()
        try rejectBadPlainStart()
        if let c = cursor.current, c == "[" || c == "{" || c == "|" || c == ">" || c == "\"" || c == "'" {
            throw error(.syntax, "expected a value, found '\(c)'")
        }
        if (cursor.current == "-" || cursor.current == ":")
            && (ConfigCursor.isBlankOrBreakOrEnd(cursor.peek(1)) || ConfigCursor.isFlowIndicator(cursor.peek(1)))
        {
            throw error(.syntax, "expected a value, found '\(cursor.current ?? " ")'")
        }
        let location = cursor.location
        let start = cursor.index
        var end = start
        while let c = cursor.current, c != "\n" {
            if ConfigCursor.isFlowIndicator(c) { break }
            if c == ":" {
                let n = cursor.peek(1)
                if ConfigCursor.isBlankOrBreakOrEnd(n) || ConfigCursor.isFlowIndicator(n) { break }
            }
            if cursor.atComment { break }
            cursor.advance()
            if !ConfigCursor.isBlank(c) { end = cursor.index }
        }
        if end == start {
            throw error(.syntax, "expected a value")
        }
        return ConfigNode(.scalar(ConfigScalar(text: cursor.string(start..<end), style: .plain)), at: location)
    }

    // MARK: Quoted

    /// A single- or double-quoted scalar, possibly over several lines (folded as YAML says: a
    /// line break becomes a space, an empty line a newline). Continuation lines must be
    /// indented more than `parentIndent`; a line that is not is taken as proof the closing
    /// quote is missing, which reports the string that never closed instead of a confusing
    /// error much further down.
    mutating func scanQuoted(parentIndent: Int) throws(ConfigParseError) -> ConfigNode {
        let location = cursor.location
        guard let quote = cursor.current else { return .null(at: location) }
        let double = quote == "\""
        let unterminated = ConfigParseError(
            .unterminated, at: location,
            double ? "unterminated double-quoted string" : "unterminated single-quoted string")
        cursor.advance()
        var out = String.UnicodeScalarView()
        // Length of `out` without the raw blanks at its end, which folding drops.
        var keep = 0
        while true {
            guard let c = cursor.current else { throw unterminated }
            if c == quote {
                if !double && cursor.peek(1) == "'" {
                    out.append("'")
                    keep = out.count
                    cursor.advance(2)
                    continue
                }
                cursor.advance()
                break
            }
            if double && c == "\\" {
                let escapeLocation = cursor.location
                cursor.advance()
                guard let e = cursor.current else { throw unterminated }
                if e == "\n" {
                    // An escaped line break joins the lines without a space.
                    out.removeSubrange(out.index(out.startIndex, offsetBy: keep)..<out.endIndex)
                    cursor.advance()
                    try skipContinuationIndent(parentIndent: parentIndent, unterminated: unterminated)
                    continue
                }
                let scalar = try unescape(e, at: escapeLocation)
                out.append(scalar)
                keep = out.count
                continue
            }
            if c == "\n" {
                out.removeSubrange(out.index(out.startIndex, offsetBy: keep)..<out.endIndex)
                cursor.advance()
                var emptyLines = 0
                while true {
                    cursor.skipBlanks()
                    if cursor.current == "\n" {
                        emptyLines += 1
                        cursor.advance()
                        continue
                    }
                    break
                }
                try checkContinuation(parentIndent: parentIndent, unterminated: unterminated)
                if emptyLines == 0 {
                    out.append(" ")
                } else {
                    for _ in 0..<emptyLines { out.append("\n") }
                }
                keep = out.count
                continue
            }
            out.append(c)
            if !ConfigCursor.isBlank(c) { keep = out.count }
            cursor.advance()
        }
        return ConfigNode(
            .scalar(ConfigScalar(text: String(out), style: double ? .doubleQuoted : .singleQuoted)), at: location)
    }

    private mutating func skipContinuationIndent(parentIndent: Int, unterminated: ConfigParseError) throws(ConfigParseError) {
        cursor.skipBlanks()
        try checkContinuation(parentIndent: parentIndent, unterminated: unterminated)
    }

    private func checkContinuation(parentIndent: Int, unterminated: ConfigParseError) throws(ConfigParseError) {
        guard let c = cursor.current else { throw unterminated }
        if c != "\n" && cursor.indent <= parentIndent { throw unterminated }
        if cursor.atDocumentMarker("-") || cursor.atDocumentMarker(".") { throw unterminated }
    }

    /// One escape after a backslash (the cursor is on the character after it): the YAML set,
    /// which includes all of JSON's, with \u surrogate pairs combined as JSON writes them.
    private mutating func unescape(_ e: Unicode.Scalar, at location: SourceLocation) throws(ConfigParseError) -> Unicode.Scalar {
        cursor.advance()
        switch e {
        case "0": return "\0"
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "t", "\t": return "\t"
        case "n": return "\n"
        case "v": return "\u{0B}"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "e": return "\u{1B}"
        case " ": return " "
        case "\"": return "\""
        case "/": return "/"
        case "\\": return "\\"
        case "N": return "\u{85}"
        case "_": return "\u{A0}"
        case "L": return "\u{2028}"
        case "P": return "\u{2029}"
        case "x", "u", "U":
            let digits = e == "x" ? 2 : e == "u" ? 4 : 8
            var value = try hexDigits(digits, escape: e, at: location)
            if e == "u" && (0xD800...0xDBFF).contains(value) {
                // A JSON surrogate pair: \uD83D\uDE00.
                guard cursor.current == "\\", cursor.peek(1) == "u" else {
                    throw ConfigParseError(.invalidEscape, at: location, "unpaired surrogate in '\\u' escape")
                }
                cursor.advance(2)
                let low = try hexDigits(4, escape: "u", at: location)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw ConfigParseError(.invalidEscape, at: location, "unpaired surrogate in '\\u' escape")
                }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw ConfigParseError(.invalidEscape, at: location, "escape '\\\(e)' does not name a Unicode character")
            }
            return scalar
        default:
            throw ConfigParseError(.invalidEscape, at: location, "invalid escape '\\\(e)' in double-quoted string")
        }
    }

    private mutating func hexDigits(_ count: Int, escape: Unicode.Scalar, at location: SourceLocation) throws(ConfigParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let c = cursor.current, let d = Character(c).hexDigitValue else {
                throw ConfigParseError(
                    .invalidEscape, at: location, "escape '\\\(escape)' needs \(count) hexadecimal digits")
            }
            value = value << 4 | UInt32(d)
            cursor.advance()
        }
        return value
    }

    // MARK: Block scalars

    enum Chomping {
        case clip, strip, keep
    }

    /// `|` or `>` with optional chomping (`-`, `+`) and indentation (1-9) indicators, then the
    /// content lines, indented more than `parentIndent`.
    mutating func parseBlockScalar(parentIndent: Int) throws(ConfigParseError) -> ConfigNode {
        let location = cursor.location
        let literal = cursor.current == "|"
        let indicator: Unicode.Scalar = literal ? "|" : ">"
        cursor.advance()
        var chomping = Chomping.clip
        var explicitIndent: Int?
        for _ in 0..<2 {
            switch cursor.current {
            case "-" where chomping == .clip: chomping = .strip; cursor.advance()
            case "+" where chomping == .clip: chomping = .keep; cursor.advance()
            case let c? where explicitIndent == nil && c.value >= 0x31 && c.value <= 0x39:
                explicitIndent = Int(c.value - 0x30)
                cursor.advance()
            default: break
            }
        }
        let hadBlank = cursor.skipBlanks()
        if !(ConfigCursor.isBreakOrEnd(cursor.current) || (hadBlank && cursor.atComment)) {
            throw error(
                .syntax,
                "expected a chomping indicator ('-' or '+'), an indentation digit (1-9) or end of line after '\(indicator)'")
        }
        cursor.skipToLineEnd()
        cursor.advance()

        let base = max(parentIndent, 0)
        var contentIndent: Int
        if let explicitIndent {
            contentIndent = base + explicitIndent
        } else {
            contentIndent = detectBlockIndent()
        }
        if contentIndent <= parentIndent { contentIndent = Int.max }

        var lines: [String] = []
        var finalLineHasBreak = true
        while !cursor.atEnd {
            // A document marker in column 0 ends the scalar even at content indentation 0.
            if cursor.atDocumentMarker("-") || cursor.atDocumentMarker(".") { break }
            let lineStart = cursor.mark
            var spaces = 0
            while spaces < contentIndent && cursor.current == " " {
                spaces += 1
                cursor.advance()
            }
            if spaces < contentIndent {
                if cursor.current == "\n" {
                    lines.append("")
                    cursor.advance()
                    continue
                }
                if cursor.current == nil { break }
                cursor.reset(to: lineStart)
                break
            }
            let start = cursor.index
            cursor.skipToLineEnd()
            lines.append(cursor.string(start..<cursor.index))
            if cursor.current == "\n" {
                cursor.advance()
            } else {
                finalLineHasBreak = false
            }
        }
        _ = try cursor.nextContentLine()

        let lastContent = lines.lastIndex { !$0.isEmpty }
        var text: String
        if let lastContent {
            // Only the file's last line can lack a break; empty lines after the content have one.
            let lastHasBreak = lastContent < lines.count - 1 || finalLineHasBreak
            let body = lines[...lastContent]
            text = literal ? body.joined(separator: "\n") : ConfigParserState.fold(body)
            let trailing = max(0, lines.count - 1 - lastContent - (finalLineHasBreak ? 0 : 1))
            switch chomping {
            case .strip: break
            case .clip: if lastHasBreak { text += "\n" }
            case .keep:
                if lastHasBreak { text += "\n" }
                text += String(repeating: "\n", count: trailing)
            }
        } else {
            text = chomping == .keep ? String(repeating: "\n", count: lines.count) : ""
        }
        return ConfigNode(.scalar(ConfigScalar(text: text, style: literal ? .literal : .folded)), at: location)
    }

    /// Indentation of the first non-empty line ahead (YAML's auto-detection), without moving.
    private func detectBlockIndent() -> Int {
        var i = cursor.index
        let chars = cursor.chars
        var spaces = 0
        while i < chars.count {
            let c = chars[i]
            if c == " " {
                spaces += 1
            } else if c == "\n" {
                spaces = 0
            } else {
                return spaces
            }
            i += 1
        }
        return Int.max
    }

    /// Folding for `>`: a single line break between two normal lines becomes a space, n empty
    /// lines become n newlines, and lines indented beyond the content keep their breaks.
    static func fold(_ lines: ArraySlice<String>) -> String {
        var out = ""
        var previousNormal = false
        var empty = 0
        var first = true
        for line in lines {
            if line.isEmpty {
                empty += 1
                continue
            }
            let moreIndented = line.first == " " || line.first == "\t"
            if first {
                out += String(repeating: "\n", count: empty)
            } else if previousNormal && !moreIndented {
                out += empty == 0 ? " " : String(repeating: "\n", count: empty)
            } else {
                out += String(repeating: "\n", count: empty + 1)
            }
            out += line
            previousNormal = !moreIndented
            empty = 0
            first = false
        }
        return out
    }
}

/// A position in the normalized text of one configuration file, with the line/column
/// bookkeeping every error needs, and the line-level skipping (blank lines, comments,
/// indentation) that the block grammar is built on.
///
/// Text is held as Unicode scalars so that a column counts characters, as editors do, and
/// with line breaks normalized to "\n" so that CRLF files report the same positions.
struct ConfigCursor {
    let chars: [Unicode.Scalar]
    let file: String
    private(set) var pos = 0
    private(set) var line = 1
    private(set) var lineStart = 0
    /// Index of the first character of each line seen so far, to look up a location's character.
    private var lineStarts = [0]

    /// A saved position to come back to after looking ahead.
    struct Mark {
        fileprivate let pos: Int
        fileprivate let line: Int
        fileprivate let lineStart: Int
    }

    /// Normalizes line breaks, drops a leading byte-order mark and rejects characters YAML
    /// does not allow in a document (C0 controls other than tab and line breaks, DEL, C1
    /// controls, U+FFFE/U+FFFF), naming where they are.
    init(text: String, file: String) throws(ConfigParseError) {
        self.file = file
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.utf8.count)
        var line = 1
        var column = 1
        var previousWasCR = false
        var first = true
        for c in text.unicodeScalars {
            defer { first = false }
            if first && c == "\u{FEFF}" { continue }
            if c == "\r" {
                out.append("\n")
                line += 1
                column = 1
                previousWasCR = true
                continue
            }
            if c == "\n" {
                if previousWasCR { previousWasCR = false; continue }
                out.append("\n")
                line += 1
                column = 1
                continue
            }
            previousWasCR = false
            let v = c.value
            let allowed = v == 0x09 || (v >= 0x20 && v != 0x7F && !(v >= 0x80 && v <= 0x9F && v != 0x85))
                && v != 0xFFFE && v != 0xFFFF
            if !allowed {
                let hex = String(v, radix: 16, uppercase: true)
                let padded = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                throw ConfigParseError(
                    .invalidCharacter, at: SourceLocation(file: file, line: line, column: column),
                    "invalid character U+\(padded); configuration files must be printable text")
            }
            out.append(c)
            column += 1
        }
        chars = out
    }

    var atEnd: Bool { pos >= chars.count }
    var current: Unicode.Scalar? { pos < chars.count ? chars[pos] : nil }

    func peek(_ offset: Int) -> Unicode.Scalar? {
        let i = pos + offset
        return i >= 0 && i < chars.count ? chars[i] : nil
    }

    /// 1-based column of the current position.
    var column: Int { pos - lineStart + 1 }
    /// Spaces before the current position on its line, which is the indentation when the
    /// cursor stands on the first character of a line's content.
    var indent: Int { pos - lineStart }
    var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }
    var atLineStart: Bool { pos == lineStart }

    var mark: Mark { Mark(pos: pos, line: line, lineStart: lineStart) }

    mutating func reset(to m: Mark) {
        pos = m.pos
        line = m.line
        lineStart = m.lineStart
    }

    mutating func advance() {
        guard pos < chars.count else { return }
        if chars[pos] == "\n" {
            line += 1
            lineStart = pos + 1
            if line > lineStarts.count { lineStarts.append(lineStart) }
        }
        pos += 1
    }

    mutating func advance(_ n: Int) {
        for _ in 0..<n { advance() }
    }

    static func isBlank(_ c: Unicode.Scalar?) -> Bool { c == " " || c == "\t" }
    static func isBreakOrEnd(_ c: Unicode.Scalar?) -> Bool { c == nil || c == "\n" }
    static func isBlankOrBreakOrEnd(_ c: Unicode.Scalar?) -> Bool { isBlank(c) || isBreakOrEnd(c) }
    static func isFlowIndicator(_ c: Unicode.Scalar?) -> Bool {
        c == "," || c == "[" || c == "]" || c == "{" || c == "}"
    }

    /// Skips spaces and tabs on the current line; returns whether any were skipped.
    @discardableResult
    mutating func skipBlanks() -> Bool {
        let start = pos
        while ConfigCursor.isBlank(current) { pos += 1 }
        return pos != start
    }

    /// A `#` starts a comment only at the start of a line or after whitespace, so that
    /// `a#b` stays one plain scalar, as YAML says.
    var atComment: Bool {
        guard current == "#" else { return false }
        return pos == lineStart || ConfigCursor.isBlank(peek(-1))
    }

    mutating func skipToLineEnd() {
        while let c = current, c != "\n" { pos += 1 }
    }

    /// After a complete value: allows trailing blanks and a comment, then requires the end of
    /// the line, and moves to the start of the next line.
    mutating func finishLine(after what: String) throws(ConfigParseError) {
        skipBlanks()
        if atComment { skipToLineEnd() }
        if current == "\n" {
            advance()
            return
        }
        if current == nil { return }
        throw ConfigParseError(.syntax, at: location, "unexpected text after \(what); expected end of line")
    }

    /// From the start of a line: skips blank and comment-only lines and stops on the first
    /// character of the next line with content, returning its indentation (nil at the end).
    /// A tab before that first character is an error: YAML indentation is spaces only, and a
    /// tab's width is anyone's guess.
    mutating func nextContentLine() throws(ConfigParseError) -> Int? {
        while true {
            while current == " " { pos += 1 }
            if current == "\t" {
                let tab = location
                skipBlanks()
                if current == "\n" || current == nil || current == "#" {
                    skipToLineEnd()
                    if current == nil { return nil }
                    advance()
                    continue
                }
                throw ConfigParseError(.tab, at: tab, "tab character in indentation; indent with spaces")
            }
            guard let c = current else { return nil }
            if c == "\n" {
                advance()
                continue
            }
            if c == "#" {
                skipToLineEnd()
                continue
            }
            return indent
        }
    }

    /// `---` or `...` in column 1 followed by whitespace or the end of the line.
    func atDocumentMarker(_ c: Unicode.Scalar) -> Bool {
        pos == lineStart && current == c && peek(1) == c && peek(2) == c
            && ConfigCursor.isBlankOrBreakOrEnd(peek(3))
    }

    func string(_ range: Range<Int>) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: chars[range])
        return String(s)
    }

    var index: Int { pos }

    /// The character at a location already passed, if any.
    func character(at location: SourceLocation) -> Unicode.Scalar? {
        guard location.line >= 1, location.line <= lineStarts.count else { return nil }
        let i = lineStarts[location.line - 1] + location.column - 1
        return i >= 0 && i < chars.count ? chars[i] : nil
    }
}

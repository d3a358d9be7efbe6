/// Finds where a head (or a trailer section) ends, line by line, keeping its place across calls
/// so bytes arriving in pieces are scanned once.
///
/// Every decision depends only on bytes already seen, in order, so feeding a message whole or
/// one byte at a time yields the same result and the same error.
struct HTTP1SectionScanner: Sendable {
    struct Rules: Sendable {
        /// RFC 9112 2.2: a server should ignore empty lines before the request line.
        var skipLeadingEmptyLines: Bool
        /// Bound on the start line (request/status line) without CRLF, if the section has one.
        var firstLineLimit: Int?
        var firstLineError: HTTP1ParseError.Code
        /// Bound on the whole section, final blank line included, counted from its first byte.
        var maxBytes: Int
        /// Most non-empty lines (start line included).
        var maxLines: Int
        var what: String
    }

    enum Result: Equatable {
        /// The section occupies `start..<end`; `end` is just past the blank line's LF.
        case complete(start: Int, end: Int)
        case incomplete
    }

    /// Start of the line being looked at.
    var lineStart = 0
    /// Start of the section proper, past skipped leading empty lines.
    var sectionStart = 0
    /// Complete non-empty lines seen.
    var lines = 0

    var isAtStart: Bool { lineStart == 0 && lines == 0 }

    mutating func reset() { self = HTTP1SectionScanner() }

    mutating func scan(_ bytes: UnsafeRawBufferPointer, _ rules: Rules) throws(HTTP1ParseError) -> Result {
        let end = bytes.count
        while true {
            // LF positions at or past `window` would break a limit.
            var window = rules.maxBytes
            var windowIsFirstLine = false
            if lines == 0, let m = rules.firstLineLimit {
                let w = sectionStart + m + 2
                if w <= window { window = w; windowIsFirstLine = true }
            }
            guard let i = HTTP1Bytes.findLF(bytes, from: lineStart, to: min(end, window)) else {
                if end >= window {
                    if windowIsFirstLine {
                        let m = rules.firstLineLimit ?? 0
                        throw HTTP1ParseError(rules.firstLineError, "\(rules.what) start line is longer than \(m) bytes")
                    }
                    throw HTTP1ParseError(.headerTooLarge, "\(rules.what) is larger than \(rules.maxBytes) bytes")
                }
                return .incomplete
            }
            if i == lineStart || bytes[i - 1] != HTTP1Bytes.cr {
                throw HTTP1ParseError(.bareLF, "\(rules.what) has a line ending in a bare LF (CRLF required)")
            }
            if i - 1 == lineStart {
                if lines == 0 && rules.skipLeadingEmptyLines {
                    sectionStart = i + 1
                    lineStart = i + 1
                    continue
                }
                let start = sectionStart
                reset()
                return .complete(start: start, end: i + 1)
            }
            lines += 1
            if lines > rules.maxLines {
                throw HTTP1ParseError(.tooManyHeaders, "\(rules.what) has more than \(rules.maxLines - (rules.firstLineLimit == nil ? 0 : 1)) header fields")
            }
            lineStart = i + 1
        }
    }
}

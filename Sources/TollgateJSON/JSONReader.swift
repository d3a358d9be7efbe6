/// The strict RFC 8259 lexer under both the parser and the scanner: one cursor over UTF-8
/// bytes, validating as it goes (grammar, escapes, UTF-8, depth) and never trapping on any
/// input. Skipping a value validates it fully, so a scanner answer is only ever given for a
/// document the parser would also accept.
struct JSONReader {
    let bytes: UnsafeRawBufferPointer
    var pos: Int
    let maxDepth: Int

    init(_ bytes: UnsafeRawBufferPointer, at pos: Int = 0, maxDepth: Int) {
        self.bytes = bytes
        self.pos = pos
        self.maxDepth = JSONLimits.clampDepth(maxDepth)
    }

    @inline(__always) var atEnd: Bool { pos >= bytes.count }

    func fail(_ code: JSONParseError.Code, _ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(code, message, offset: offset ?? pos, in: bytes)
    }

    @inline(__always) static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    @inline(__always) mutating func skipWhitespace() {
        while pos < bytes.count {
            let b = bytes[pos]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            pos += 1
        }
    }

    /// The next non-whitespace byte (consumed whitespace), or an unexpectedEnd error.
    @inline(__always) mutating func peekToken(_ what: @autoclosure () -> String) throws(JSONParseError) -> UInt8 {
        // Compact JSON (what SDKs and providers send) has no whitespace between tokens: one
        // compare settles it, as every whitespace byte is below '!'.
        if pos < bytes.count {
            let b = bytes[pos]
            if b > 0x20 { return b }
        }
        skipWhitespace()
        guard pos < bytes.count else { throw fail(.unexpectedEnd, "expected \(what())") }
        return bytes[pos]
    }

    /// After the top-level value: only whitespace may follow.
    mutating func expectEnd() throws(JSONParseError) {
        skipWhitespace()
        if pos < bytes.count { throw fail(.trailingData, "unexpected data after the JSON value") }
    }

    // MARK: Values

    /// Skips (and validates) one value; `depth` is the nesting of the value's container.
    mutating func skipValue(depth: Int) throws(JSONParseError) -> JSONSlice {
        let b = try peekToken("a value")
        let start = pos
        let kind: JSONSlice.Kind
        switch b {
        case 0x7B: // {
            kind = .object
            try enter(depth)
            pos += 1
            if try peekToken("a key or '}'") == 0x7D { pos += 1; break }
            while true {
                guard try peekToken("a key") == 0x22 else { throw fail(.unexpectedByte, "expected a string key") }
                _ = try scanStringInline()
                guard try peekToken("':'") == 0x3A else { throw fail(.unexpectedByte, "expected ':' after a key") }
                pos += 1
                // Strings and plain integers inline, containers and the rest by recursion:
                // a call per scalar (prologue, typed-error check, slice) was ~40 of the ~100
                // instructions a value cost (callgrind). Same grammar, errors and offsets.
                let v = try peekToken("a value")
                if v == 0x22 { try scanStringInline() } else if v &- 0x30 < 10 { try scanDigitsInline() } else { _ = try skipValue(depth: depth + 1) }
                let c = try peekToken("',' or '}'")
                pos += 1
                if c == 0x7D { break }
                guard c == 0x2C else { throw fail(.unexpectedByte, "expected ',' or '}'", at: pos - 1) }
            }
        case 0x5B: // [
            kind = .array
            try enter(depth)
            pos += 1
            if try peekToken("a value or ']'") == 0x5D { pos += 1; break }
            while true {
                let v = try peekToken("a value")
                if v == 0x22 { try scanStringInline() } else if v &- 0x30 < 10 { try scanDigitsInline() } else { _ = try skipValue(depth: depth + 1) }
                let c = try peekToken("',' or ']'")
                pos += 1
                if c == 0x5D { break }
                guard c == 0x2C else { throw fail(.unexpectedByte, "expected ',' or ']'", at: pos - 1) }
            }
        case 0x22:
            kind = .string
            _ = try scanStringInline()
        case 0x74:
            kind = .true
            try literal("true")
        case 0x66:
            kind = .false
            try literal("false")
        case 0x6E:
            kind = .null
            try literal("null")
        case 0x2D, 0x30...0x39:
            kind = .number
            try scanNumber()
        default:
            throw fail(.unexpectedByte, "expected a value")
        }
        return JSONSlice(kind: kind, range: start..<pos)
    }

    /// `scanNumber` for a number whose first byte (at `pos`) is a digit: integers inline,
    /// fractions and exponents by `scanNumber` from the start.
    @inline(__always)
    mutating func scanDigitsInline() throws(JSONParseError) {
        let n = bytes.count
        let base = bytes.baseAddress!
        var p = pos + 1
        if base.load(fromByteOffset: pos, as: UInt8.self) != 0x30 {
            while p < n && base.load(fromByteOffset: p, as: UInt8.self) &- 0x30 < 10 { p += 1 }
        }
        if p < n {
            let c = base.load(fromByteOffset: p, as: UInt8.self)
            if c == 0x2E || c | 0x20 == 0x65 { return try scanNumber() }
        }
        pos = p
    }

    /// A member's key and its ':' (the reader is before the key's opening quote, whitespace
    /// allowed); returns the key literal's range and whether it holds escapes.
    @inline(__always)
    mutating func memberKey() throws(JSONParseError) -> (start: Int, end: Int, escaped: Bool) {
        guard try peekToken("a key") == 0x22 else { throw fail(.unexpectedByte, "expected a string key") }
        let ks = pos
        let escaped = try scanStringInline()
        let ke = pos
        guard try peekToken("':'") == 0x3A else { throw fail(.unexpectedByte, "expected ':' after a key") }
        pos += 1
        return (ks, ke, escaped)
    }

    @inline(__always) func enter(_ depth: Int) throws(JSONParseError) {
        if depth >= maxDepth { throw fail(.tooDeep, "nesting deeper than \(maxDepth)") }
    }

    /// true, false or null at `pos`: one compare when the bytes are there, else byte by byte
    /// for the error's exact offset.
    @inline(__always)
    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        if pos + n <= bytes.count && memcmpEqual(bytes.baseAddress! + pos, UnsafeRawPointer(word.utf8Start), n) {
            pos += n
            return
        }
        try literalByteByByte(word)
    }

    mutating func literalByteByByte(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let p = word.utf8Start
        for i in 0..<n {
            guard pos + i < bytes.count else { throw fail(.unexpectedEnd, "truncated literal", at: pos + i) }
            guard bytes[pos + i] == p[i] else { throw fail(.unexpectedByte, "invalid literal", at: pos + i) }
        }
        pos += n
    }

    mutating func scanNumber() throws(JSONParseError) {
        let n = bytes.count
        if bytes[pos] == 0x2D { pos += 1 }
        guard pos < n else { throw fail(.unexpectedEnd, "truncated number") }
        if bytes[pos] == 0x30 {
            pos += 1
        } else if bytes[pos] &- 0x31 < 9 {
            while pos < n && bytes[pos] &- 0x30 < 10 { pos += 1 }
        } else {
            throw fail(.invalidNumber, "expected a digit")
        }
        if pos < n && bytes[pos] == 0x2E {
            pos += 1
            guard pos < n && bytes[pos] &- 0x30 < 10 else { throw fail(.invalidNumber, "expected a digit after '.'") }
            while pos < n && bytes[pos] &- 0x30 < 10 { pos += 1 }
        }
        if pos < n && (bytes[pos] | 0x20) == 0x65 {
            pos += 1
            if pos < n && (bytes[pos] == 0x2B || bytes[pos] == 0x2D) { pos += 1 }
            guard pos < n && bytes[pos] &- 0x30 < 10 else { throw fail(.invalidNumber, "expected a digit in the exponent") }
            while pos < n && bytes[pos] &- 0x30 < 10 { pos += 1 }
        }
    }

    /// For eight string bytes (little-endian), the high bit of each byte that ends a plain run:
    /// control bytes, non-ASCII bytes, '"' and '\\'. Borrows only run upward, so the lowest
    /// set bit is exact.
    @inline(__always)
    static func specialBytes(_ w: UInt64) -> UInt64 {
        let lo: UInt64 = 0x0101_0101_0101_0101, hi: UInt64 = 0x8080_8080_8080_8080
        let control = (w &- lo &* 0x20) & ~w & hi
        let quote = ((w ^ (lo &* 0x22)) &- lo) & ~(w ^ (lo &* 0x22)) & hi
        let backslash = ((w ^ (lo &* 0x5C)) &- lo) & ~(w ^ (lo &* 0x5C)) & hi
        return control | (w & hi) | quote | backslash
    }

    /// Scans a string whose opening quote is at `pos`; leaves `pos` after the closing quote.
    /// Returns whether it holds escapes (if not, its bytes are its UTF-8 text).
    /// `scanString` with its common case inline: eight bytes at a time until the first
    /// special byte, done when that is the closing quote (keys and plain values: no escapes,
    /// every byte before is printable ASCII); otherwise `scanString` resumes at that byte. A
    /// call per string with its prologue cost ~80 instructions on short ones, and restarting
    /// longer ones from their first byte re-read them (callgrind). Same result otherwise.
    @inline(__always) @discardableResult
    mutating func scanStringInline() throws(JSONParseError) -> Bool {
        var p = pos + 1
        let n = bytes.count
        let base = bytes.baseAddress!
        while p + 8 <= n {
            let mask = Self.specialBytes(base.loadUnaligned(fromByteOffset: p, as: UInt64.self))
            if mask != 0 {
                p += mask.trailingZeroBitCount >> 3
                if base.load(fromByteOffset: p, as: UInt8.self) == 0x22 {
                    pos = p + 1
                    return false
                }
                break
            }
            p += 8
        }
        return try scanString(resumingAt: p)
    }

    @discardableResult
    mutating func scanString() throws(JSONParseError) -> Bool {
        try scanString(resumingAt: pos + 1)
    }

    /// `scanString` from `start`, a position inside the string (after its opening quote)
    /// with only plain bytes between the quote and it.
    @discardableResult
    mutating func scanString(resumingAt start: Int) throws(JSONParseError) -> Bool {
        // The cursor in a local (stored back on every exit): `pos` lives in memory behind
        // `self`, and each update was a load and a store.
        let n = bytes.count
        let base = bytes.baseAddress!
        var p = start
        var escaped = false
        while true {
            // Fast path, eight bytes at a time: the mask marks control bytes, non-ASCII bytes,
            // '"' and '\\'. Borrows only run upward, so its lowest set bit is exact: jump
            // straight to the first special byte instead of re-reading the word bytewise.
            var found = false
            while p + 8 <= n {
                let w = (base + p).loadUnaligned(as: UInt64.self)
                let mask = Self.specialBytes(w)
                if mask != 0 {
                    p += mask.trailingZeroBitCount >> 3
                    found = true
                    break
                }
                p += 8
            }
            // Printable ASCII other than '"' and '\\' (the tail, under eight bytes).
            if !found {
                while p < n {
                    let b = base.load(fromByteOffset: p, as: UInt8.self)
                    guard b >= 0x20 && b < 0x80 && b != 0x22 && b != 0x5C else { break }
                    p += 1
                }
            }
            guard p < n else { pos = p; throw fail(.unexpectedEnd, "unterminated string") }
            let b = base.load(fromByteOffset: p, as: UInt8.self)
            if b == 0x22 { pos = p + 1; return escaped }
            pos = p
            if b == 0x5C {
                escaped = true
                _ = try scanEscape()
            } else if b < 0x20 {
                throw fail(.controlCharacter, "unescaped control character in a string")
            } else {
                try scanUTF8Scalar()
            }
            p = pos
        }
    }

    /// Validates one escape at `pos` (the backslash) and returns its scalar.
    mutating func scanEscape() throws(JSONParseError) -> UInt32 {
        let start = pos
        guard pos + 1 < bytes.count else { throw fail(.unexpectedEnd, "truncated escape") }
        let e = bytes[pos + 1]
        pos += 2
        switch e {
        case 0x22: return 0x22
        case 0x5C: return 0x5C
        case 0x2F: return 0x2F
        case 0x62: return 0x08
        case 0x66: return 0x0C
        case 0x6E: return 0x0A
        case 0x72: return 0x0D
        case 0x74: return 0x09
        case 0x75:
            let hi = try hex4()
            if hi >= 0xDC00 && hi <= 0xDFFF { throw fail(.invalidUnicode, "lone low surrogate", at: start) }
            guard hi >= 0xD800 && hi <= 0xDBFF else { return hi }
            // A high surrogate must be followed by an escaped low surrogate: a lone one has
            // no UTF-8 form, and two readers would repair it differently.
            guard pos + 1 < bytes.count, bytes[pos] == 0x5C, bytes[pos + 1] == 0x75 else {
                throw fail(.invalidUnicode, "high surrogate without a low surrogate", at: start)
            }
            pos += 2
            let lo = try hex4()
            guard lo >= 0xDC00 && lo <= 0xDFFF else { throw fail(.invalidUnicode, "high surrogate without a low surrogate", at: start) }
            return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        default:
            throw fail(.invalidEscape, "invalid escape", at: start)
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard pos < bytes.count else { throw fail(.unexpectedEnd, "truncated \\u escape") }
            let c = bytes[pos]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw fail(.invalidEscape, "invalid hex digit in \\u escape")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    /// Validates one multi-byte UTF-8 scalar at `pos` (Unicode table 3-7: no overlongs, no
    /// surrogates, nothing above U+10FFFF).
    mutating func scanUTF8Scalar() throws(JSONParseError) {
        let n = bytes.count
        let b0 = bytes[pos]
        var len = 0
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: len = 2
        case 0xE0: len = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: len = 3
        case 0xED: len = 3; hi = 0x9F
        case 0xF0: len = 4; lo = 0x90
        case 0xF1...0xF3: len = 4
        case 0xF4: len = 4; hi = 0x8F
        default: throw fail(.invalidUTF8, "invalid UTF-8 lead byte")
        }
        guard pos + len <= n else { throw fail(.invalidUTF8, "truncated UTF-8 sequence") }
        let b1 = bytes[pos + 1]
        guard b1 >= lo && b1 <= hi else { throw fail(.invalidUTF8, "invalid UTF-8 sequence") }
        var i = 2
        while i < len {
            guard bytes[pos + i] & 0xC0 == 0x80 else { throw fail(.invalidUTF8, "invalid UTF-8 sequence") }
            i += 1
        }
        pos += len
    }
}

extension JSONReader {
    /// Decodes the string at `slice` (validated already) into UTF-8 bytes, resolving escapes.
    static func decodeString(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, into out: inout [UInt8]) {
        var r = JSONReader(bytes, at: range.lowerBound + 1, maxDepth: 1)
        let end = range.upperBound - 1
        var runStart = r.pos
        while r.pos < end {
            if bytes[r.pos] != 0x5C { r.pos += 1; continue }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<r.pos]))
            let scalar = (try? r.scanEscape()) ?? 0xFFFD
            appendUTF8(scalar, to: &out)
            runStart = r.pos
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<min(r.pos, end)]))
    }

    static func appendUTF8(_ s: UInt32, to out: inout [UInt8]) {
        switch s {
        case 0..<0x80:
            out.append(UInt8(s))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | s >> 6)); out.append(UInt8(0x80 | s & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | s >> 12)); out.append(UInt8(0x80 | s >> 6 & 0x3F)); out.append(UInt8(0x80 | s & 0x3F))
        default:
            out.append(UInt8(0xF0 | s >> 18)); out.append(UInt8(0x80 | s >> 12 & 0x3F))
            out.append(UInt8(0x80 | s >> 6 & 0x3F)); out.append(UInt8(0x80 | s & 0x3F))
        }
    }
}

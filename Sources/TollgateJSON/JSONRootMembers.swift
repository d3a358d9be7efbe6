/// A validating cursor over the members of a document's root object, for a reader that wants
/// a handful of root fields and a few sums over others in one forward pass: no tape, no
/// arrays, nothing allocated. The caller takes each key, then either skips its value or
/// tallies it (string bytes, element count, flagged keys), and finally calls `finish`.
/// Validation is the reader's (strict RFC 8259, the same depth rule as `JSONTape`), so a
/// document this cursor walks to `finish` without throwing is one the tape accepts too.
/// Errors carry the reader's codes and offsets, but a caller that needs the exact verdict
/// of the tape path (which also reports duplicates) should fall back to it on any error.
public struct JSONRootMembers {
    var cursor: JSONCursor
    var root = JSONCursor.Container(depth: 0)

    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONLimits.defaultMaxDepth) {
        cursor = JSONCursor(bytes, maxDepth: maxDepth)
    }

    /// Enters the root object; false (nothing consumed past whitespace) when the root is not
    /// an object.
    public mutating func begin() throws(JSONParseError) -> Bool {
        guard let c = try cursor.enterRootObject() else { return false }
        root = c
        return true
    }

    /// The next member's key literal (quotes included) and whether it holds escapes; nil
    /// after the root's closing brace. The value must be skipped or tallied before the next
    /// call.
    public mutating func nextKey() throws(JSONParseError) -> (start: Int, end: Int, escaped: Bool)? {
        try cursor.nextKey(&root)
    }

    /// Skips (validating) the current member's value.
    public mutating func skipValue() throws(JSONParseError) -> JSONSlice {
        try cursor.skipValue(in: root)
    }

    /// Skips (validating) the current member's value and sums over it: see `JSONTally`.
    /// `isFlaggedKey` sees the bytes between the quotes of every unescaped key of every object
    /// in the value (escaped keys flag without asking).
    public mutating func tallyValue(
        _ tally: inout JSONTally, isFlaggedKey: (UnsafeRawBufferPointer) -> Bool
    ) throws(JSONParseError) -> JSONSlice {
        let start = try cursor.r.peekTokenPosition()
        if var array = try cursor.enterArray(in: root) {
            while try cursor.nextElement(&array) {
                tally.elements += 1
                _ = try cursor.tallyValue(in: array, &tally, isFlaggedKey: isFlaggedKey)
            }
            return JSONSlice(kind: .array, range: start..<cursor.r.pos)
        }
        return try cursor.tallyValue(in: root, &tally, isFlaggedKey: isFlaggedKey)
    }

    /// After the root's closing brace: only whitespace may follow.
    public mutating func finish() throws(JSONParseError) {
        guard root.done else { throw cursor.r.fail(.unexpectedByte, "the root object is not finished") }
        try cursor.finishDocument()
    }
}

/// Sums over one value, from `JSONRootMembers.tallyValue`.
public struct JSONTally: Sendable, Equatable {
    /// Bytes of every string value (not keys) in the value, as written without quotes.
    public var stringBytes = 0
    /// Elements of the value when it is an array (0 otherwise).
    public var elements = 0
    /// Some object in the value has a key the caller's predicate flags, or an escaped key.
    public var flagged = false

    public init() {}
}

extension JSONSlice.Kind {
    /// The kind of a valid value that starts with `b`.
    @inline(__always)
    init(firstByte b: UInt8) {
        switch b {
        case 0x7B: self = .object
        case 0x5B: self = .array
        case 0x22: self = .string
        case 0x74: self = .true
        case 0x66: self = .false
        case 0x6E: self = .null
        default: self = .number
        }
    }
}

extension JSONReader {
    /// Position of the next token (whitespace consumed), or an unexpectedEnd error.
    @inline(__always)
    mutating func peekTokenPosition() throws(JSONParseError) -> Int {
        _ = try peekToken("a value")
        return pos
    }

    /// `skipValue` that also adds string value bytes and flags keys (see `JSONTally`); the
    /// same grammar, depth rule, errors and offsets.
    @discardableResult
    mutating func tally(
        depth: Int, _ t: inout JSONTally, _ isFlaggedKey: (UnsafeRawBufferPointer) -> Bool
    ) throws(JSONParseError) -> JSONSlice.Kind {
        let b = try peekToken("a value")
        switch b {
        case 0x22:
            let start = pos
            try scanStringInline()
            t.stringBytes += pos - start - 2
            return .string
        case 0x7B:
            try enter(depth)
            pos += 1
            if try peekToken("a key or '}'") == 0x7D { pos += 1; return .object }
            while true {
                let (ks, ke, escaped) = try memberKey()
                if escaped || isFlaggedKey(UnsafeRawBufferPointer(rebasing: bytes[(ks + 1)..<(ke - 1)])) { t.flagged = true }
                try tally(depth: depth + 1, &t, isFlaggedKey)
                let c = try peekToken("',' or '}'")
                pos += 1
                if c == 0x7D { return .object }
                guard c == 0x2C else { throw fail(.unexpectedByte, "expected ',' or '}'", at: pos - 1) }
            }
        case 0x5B:
            try enter(depth)
            pos += 1
            if try peekToken("a value or ']'") == 0x5D { pos += 1; return .array }
            while true {
                try tally(depth: depth + 1, &t, isFlaggedKey)
                let c = try peekToken("',' or ']'")
                pos += 1
                if c == 0x5D { return .array }
                guard c == 0x2C else { throw fail(.unexpectedByte, "expected ',' or ']'", at: pos - 1) }
            }
        default:
            if b &- 0x30 < 10 {
                try scanDigitsInline()
                return .number
            }
            return try skipValue(depth: depth).kind
        }
    }
}

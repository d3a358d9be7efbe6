/// A validating pull cursor: the caller walks the containers it cares about (entering
/// objects and arrays, taking keys and elements) and skips or tallies everything else, all in
/// the one forward pass that also validates the document. No tape, nothing allocated.
///
/// The caller takes every key or element of a container it enters, to the end, and skips,
/// tallies or enters each value. Validation is the reader's (strict RFC 8259, the same depth
/// rule as `JSONTape`): a document walked so to `finishDocument` without throwing is one the
/// tape accepts too. Errors carry the reader's codes and offsets; a caller
/// that needs the exact verdict of the tape path (which also reports duplicate keys) should
/// fall back to it on any error.
public struct JSONCursor {
    var r: JSONReader

    /// An object or array being walked.
    public struct Container {
        /// Nesting of the container itself (the root is 0); its values sit at depth + 1.
        let depth: Int
        var first = true
        var done = false

        /// The container was walked through its closing bracket.
        public var isFinished: Bool { done }
    }

    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONLimits.defaultMaxDepth) {
        r = JSONReader(bytes, maxDepth: maxDepth)
    }

    /// The root value as a container to walk, when it is an object (else nil, nothing consumed).
    public mutating func enterRootObject() throws(JSONParseError) -> Container? {
        try enter(0x7B, 0x7D, depth: 0)
    }

    /// The current value of `parent` as a container to walk, when it is an object.
    public mutating func enterObject(in parent: Container) throws(JSONParseError) -> Container? {
        try enter(0x7B, 0x7D, depth: parent.depth + 1)
    }

    /// The current value of `parent` as a container to walk, when it is an array.
    public mutating func enterArray(in parent: Container) throws(JSONParseError) -> Container? {
        try enter(0x5B, 0x5D, depth: parent.depth + 1)
    }

    @inline(__always)
    private mutating func enter(_ open: UInt8, _ close: UInt8, depth: Int) throws(JSONParseError) -> Container? {
        guard try r.peekToken("a value") == open else { return nil }
        try r.enter(depth)
        r.pos += 1
        var c = Container(depth: depth)
        if try r.peekToken(open == 0x7B ? "a key or '}'" : "a value or ']'") == close {
            r.pos += 1
            c.done = true
        }
        return c
    }

    /// The next member's key literal (quotes included) and whether it holds escapes; nil
    /// after the object's closing brace. Its value must then be skipped, tallied or walked.
    public mutating func nextKey(_ c: inout Container) throws(JSONParseError) -> (start: Int, end: Int, escaped: Bool)? {
        if c.done { return nil }
        if !c.first {
            let b = try r.peekToken("',' or '}'")
            r.pos += 1
            if b == 0x7D { c.done = true; return nil }
            guard b == 0x2C else { throw r.fail(.unexpectedByte, "expected ',' or '}'", at: r.pos - 1) }
        }
        c.first = false
        return try r.memberKey()
    }

    /// Whether the array has another element (then at the cursor: skip, tally or walk it).
    public mutating func nextElement(_ c: inout Container) throws(JSONParseError) -> Bool {
        if c.done { return false }
        if !c.first {
            let b = try r.peekToken("',' or ']'")
            r.pos += 1
            if b == 0x5D { c.done = true; return false }
            guard b == 0x2C else { throw r.fail(.unexpectedByte, "expected ',' or ']'", at: r.pos - 1) }
        }
        c.first = false
        return true
    }

    /// Skips (validating) the current value of `c`.
    @inline(__always)
    public mutating func skipValue(in c: Container) throws(JSONParseError) -> JSONSlice {
        let start = try r.peekTokenPosition()
        let v = r.bytes[start]
        if v == 0x22 { try r.scanStringInline() } else if v &- 0x30 < 10 { try r.scanDigitsInline() } else { _ = try r.skipValue(depth: c.depth + 1) }
        return JSONSlice(kind: JSONSlice.Kind(firstByte: v), range: start..<r.pos)
    }

    /// Skips (validating) the current value of `c` and sums over it: see `JSONTally`.
    public mutating func tallyValue(
        in c: Container, _ tally: inout JSONTally, isFlaggedKey: (UnsafeRawBufferPointer) -> Bool
    ) throws(JSONParseError) -> JSONSlice {
        let start = try r.peekTokenPosition()
        let kind = try r.tally(depth: c.depth + 1, &tally, isFlaggedKey)
        return JSONSlice(kind: kind, range: start..<r.pos)
    }

    /// After the root value: only whitespace may follow.
    public mutating func finishDocument() throws(JSONParseError) {
        try r.expectEnd()
    }
}

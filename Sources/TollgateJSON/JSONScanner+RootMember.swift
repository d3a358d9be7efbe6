extension JSONScanner {
    /// The value of member `key` of the root object, validating the whole document with the
    /// skip path and recording nothing: nil when the root is not an object or has no such
    /// member. For a reader that needs one member of a response (its usage): a tape of the
    /// whole document cost ~5,300 instructions per OpenAI chat response, this ~4,000
    /// (callgrind; an iterative walk like the tape's measured ~800 more than the recursive
    /// skip).
    ///
    /// Same verdicts as `JSONTape(bytes)` followed by `value(forKey:of: 0, in:)`: any syntax
    /// error wins (the tape validates first), then a second `key` in the root object throws
    /// `.duplicateKey` at that key's offset; keys are compared the same way.
    public func rootMember(_ key: StaticString, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONSlice? {
        try rootMembers(key, nil, in: bytes).0
    }

    /// `rootMember(key)`, and in the same pass the value of an optional second member `also`
    /// (a response's "model" beside its "usage"). `also` never throws: a repeated `also` is
    /// ambiguous and answers nil, so a side fact cannot cost the caller its main member.
    public func rootMembers(_ key: StaticString, _ also: StaticString?, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> (JSONSlice?, JSONSlice?) {
        var r = JSONReader(bytes, maxDepth: maxDepth)
        guard try r.peekToken("a value") == 0x7B else {
            _ = try r.skipValue(depth: 0)
            try r.expectEnd()
            return (nil, nil)
        }
        // skipValue's object branch, with each member's key compared as it passes.
        try r.enter(0)
        r.pos += 1
        var found: JSONSlice?
        var duplicate: JSONParseError?
        var second: JSONSlice?
        var secondRepeated = false
        if try r.peekToken("a key or '}'") == 0x7D {
            r.pos += 1
        } else {
            while true {
                let (keyStart, keyEnd, escaped) = try r.memberKey()
                let valueStart = try r.peekTokenPosition()
                // Scalars inline, as in skipValue's loops.
                let v = r.bytes[valueStart]
                if v == 0x22 { try r.scanStringInline() } else if v &- 0x30 < 10 { try r.scanDigitsInline() } else { _ = try r.skipValue(depth: 1) }
                if JSONTape.keyLiteral(keyStart..<keyEnd, escaped: escaped, equals: key, in: bytes) {
                    if found == nil {
                        found = JSONSlice(kind: JSONSlice.Kind(firstByte: bytes[valueStart]), range: valueStart..<r.pos)
                    } else if duplicate == nil {
                        duplicate = JSONParseError(.duplicateKey, "duplicate key \"\(key)\"", offset: keyStart, in: bytes)
                    }
                } else if let also, JSONTape.keyLiteral(keyStart..<keyEnd, escaped: escaped, equals: also, in: bytes) {
                    if second == nil && !secondRepeated {
                        second = JSONSlice(kind: JSONSlice.Kind(firstByte: bytes[valueStart]), range: valueStart..<r.pos)
                    } else {
                        second = nil
                        secondRepeated = true
                    }
                }
                let c = try r.peekToken("',' or '}'")
                r.pos += 1
                if c == 0x7D { break }
                guard c == 0x2C else { throw r.fail(.unexpectedByte, "expected ',' or '}'", at: r.pos - 1) }
            }
        }
        try r.expectEnd()
        if let duplicate { throw duplicate }
        return (found, second)
    }
}

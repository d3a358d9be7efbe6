extension JSONScanner {
    /// The value of member `key` of the root object, validating the whole document and
    /// recording nothing: nil when the root is not an object or has no such member. For a
    /// reader that needs one member of a response (its usage): a tape of the whole document
    /// cost ~5,300 instructions per OpenAI chat response, the recursive `skipValue` ~4,000,
    /// this loop ~1,500 (callgrind).
    ///
    /// Same verdicts as `JSONTape(bytes)` followed by `value(forKey:of: 0, in:)`: any syntax
    /// error wins (the tape validates first), then a second `key` in the root object throws
    /// `.duplicateKey` at that key's offset; keys are compared the same way. The walk is
    /// `JSONTape.record`'s (same grammar, errors and offsets) with a bit per open container
    /// instead of entries.
    public func rootMember(_ key: StaticString, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONSlice? {
        var r = JSONReader(bytes, maxDepth: maxDepth)
        guard try r.peekToken("a value") == 0x7B else {
            _ = try r.skipValue(depth: 0)
            try r.expectEnd()
            return nil
        }
        var found: JSONSlice?
        var duplicate: JSONParseError?
        var open = ContainerKinds()
        var depth = 0  // containers open around the next value
        var keyStart = 0, keyEnd = 0, keyEscaped = false  // the current root member's key
        var memberStart = 0  // where the current root member's value starts
        values: while true {
            let b = try r.peekToken("a value")
            let start = r.pos
            if depth == 1 { memberStart = start }
            var kind: JSONSlice.Kind
            if b == 0x7B || b == 0x5B {  // { or [
                try r.enter(depth)
                let isObject = b == 0x7B
                r.pos += 1
                if try r.peekToken(isObject ? "a key or '}'" : "a value or ']'") == (isObject ? 0x7D : 0x5D) {
                    r.pos += 1
                    kind = isObject ? .object : .array
                } else {
                    open.set(depth, isObject: isObject)
                    depth += 1
                    if isObject {
                        let k = try Self.memberKey(&r)
                        if depth == 1 { (keyStart, keyEnd, keyEscaped) = k }
                    }
                    continue values
                }
            } else {
                switch b {
                case 0x22:
                    kind = .string
                    try r.scanString()
                case 0x74:
                    kind = .true
                    try r.literal("true")
                case 0x66:
                    kind = .false
                    try r.literal("false")
                case 0x6E:
                    kind = .null
                    try r.literal("null")
                case 0x2D, 0x30...0x39:
                    kind = .number
                    try r.scanNumber()
                default:
                    throw r.fail(.unexpectedByte, "expected a value")
                }
            }
            // A value of kind `kind` is complete: compare it if it is a root member, then a
            // separator leads to the next value, a closer completes the innermost container.
            while true {
                if depth == 1 && JSONTape.keyLiteral(keyStart..<keyEnd, escaped: keyEscaped, equals: key, in: bytes) {
                    if found == nil {
                        found = JSONSlice(kind: kind, range: memberStart..<r.pos)
                    } else if duplicate == nil {
                        duplicate = JSONParseError(.duplicateKey, "duplicate key \"\(key)\"", offset: keyStart, in: bytes)
                    }
                }
                if depth == 0 { break values }
                let isObject = open.isObject(depth - 1)
                let c = try r.peekToken(isObject ? "',' or '}'" : "',' or ']'")
                r.pos += 1
                if c == 0x2C {
                    if isObject {
                        let k = try Self.memberKey(&r)
                        if depth == 1 { (keyStart, keyEnd, keyEscaped) = k }
                    }
                    continue values
                }
                guard c == (isObject ? 0x7D : 0x5D) else {
                    throw r.fail(.unexpectedByte, isObject ? "expected ',' or '}'" : "expected ',' or ']'", at: r.pos - 1)
                }
                depth -= 1
                kind = isObject ? .object : .array
            }
        }
        try r.expectEnd()
        if let duplicate { throw duplicate }
        return found
    }

    /// A member's key and its ':' (`JSONTape`'s, same errors).
    @inline(__always)
    private static func memberKey(_ r: inout JSONReader) throws(JSONParseError) -> (Int, Int, Bool) {
        guard try r.peekToken("a key") == 0x22 else { throw r.fail(.unexpectedByte, "expected a string key") }
        let ks = r.pos
        let escaped = try r.scanString()
        let ke = r.pos
        guard try r.peekToken("':'") == 0x3A else { throw r.fail(.unexpectedByte, "expected ':' after a key") }
        r.pos += 1
        return (ks, ke, escaped)
    }
}

extension JSONScanner {
    /// Calls `body` with each member of the object at `object` (its key literal's range,
    /// whether that holds escapes, and the value), for an object in a document validated
    /// already: a reader of a few fields without a tape or a `JSONFields` (each cost an
    /// allocation). Stops at the first byte the grammar refuses, which a validated object
    /// never has; not an object: no calls.
    public static func forEachValidatedMember(
        of object: JSONSlice, in bytes: UnsafeRawBufferPointer,
        _ body: (_ key: Range<Int>, _ keyEscaped: Bool, _ value: JSONSlice) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        guard object.kind == .object, object.range.upperBound <= bytes.count else { return }
        var r = JSONReader(bytes, at: object.range.lowerBound + 1, maxDepth: JSONLimits.maxDepthCeiling)
        guard let first = try? r.peekToken(""), first == 0x22 else { return }
        while true {
            let keyStart = r.pos
            guard let escaped = try? r.scanString() else { return }
            let keyEnd = r.pos
            guard let colon = try? r.peekToken(""), colon == 0x3A else { return }
            r.pos += 1
            guard let value = try? r.skipValue(depth: 1) else { return }
            try body(keyStart..<keyEnd, escaped, value)
            guard let c = try? r.peekToken(""), c == 0x2C else { return }
            r.pos += 1
            guard let q = try? r.peekToken(""), q == 0x22 else { return }
        }
    }

    /// Whether the key literal at `key` (quotes included; `escaped` if it holds escapes)
    /// spells `name`, compared as the tape compares keys.
    @inline(__always)
    public static func keyLiteral(_ key: Range<Int>, escaped: Bool, equals name: StaticString, in bytes: UnsafeRawBufferPointer) -> Bool {
        JSONTape.keyLiteral(key, escaped: escaped, equals: name, in: bytes)
    }
}

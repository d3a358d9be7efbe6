extension JSONTape {
    /// The values of `keys` among the members of the object at `index`, with the scanner's
    /// duplicate rule (a key asked for twice in one object throws).
    public func fields(of index: Int, keys: JSONKeys, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONFields {
        var found = JSONFields(keys: keys)
        guard self[index].kind == .object else { return found }
        try forEachChild(of: index) { (c) throws(JSONParseError) in
            let e = self[c]
            let i: Int?
            if e.keyEscaped {
                i = keys.index(of: JSONSlice(kind: .string, range: e.keyStart..<e.keyEnd), in: bytes)
            } else {
                i = keys.index(ofUTF8: UnsafeRawBufferPointer(rebasing: bytes[(e.keyStart + 1)..<(e.keyEnd - 1)]))
            }
            guard let i else { return }
            if found.has(i) {
                throw JSONParseError(.duplicateKey, "duplicate key \"\(keys.names[i])\"", offset: e.keyStart, in: bytes)
            }
            found.set(i, e.slice)
        }
        return found
    }

    /// The value of member `key` (a literal) of the object at `index`, nil when absent; the
    /// scanner's duplicate rule. Compared with one memcmp per member (keys
    /// written with escapes are decoded first).
    public func value(forKey key: StaticString, of index: Int, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONSlice? {
        guard self[index].kind == .object else { return nil }
        var found: JSONSlice?
        try forEachChild(of: index) { (c) throws(JSONParseError) in
            let e = self[c]
            let equal = Self.keyLiteral(e.keyStart..<e.keyEnd, escaped: e.keyEscaped, equals: key, in: bytes)
            guard equal else { return }
            if found != nil {
                throw JSONParseError(.duplicateKey, "duplicate key \"\(key)\"", offset: e.keyStart, in: bytes)
            }
            found = e.slice
        }
        return found
    }

    /// Bytes of every string value (not keys) in the subtree at `index`, as written without
    /// quotes (>= decoded UTF-8 length).
    public func stringValueBytes(at index: Int) -> Int64 {
        var n: Int64 = 0
        var i = index
        let end = self[index].next
        while i < end {
            let e = self[i]
            if e.kind == .string { n += Int64(e.end - e.start - 2) }
            i += 1
        }
        return n
    }
}

extension JSONTape {
    /// Whether the key literal at `range` (quotes included; `escaped` if it holds escapes)
    /// spells `key`: one memcmp, decoding only a literal whose escapes could spell it.
    @inlinable @inline(__always)
    static func keyLiteral(_ range: Range<Int>, escaped: Bool, equals key: StaticString, in bytes: UnsafeRawBufferPointer) -> Bool {
        let k = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        let inner = range.count - 2
        if !escaped {
            return inner == k.count && (k.isEmpty || memcmpEqual(bytes.baseAddress! + range.lowerBound + 1, k.baseAddress!, inner))
        } else if inner == k.count {
            return k.isEmpty || memcmpEqual(bytes.baseAddress! + range.lowerBound + 1, k.baseAddress!, inner)
        } else if inner > k.count {
            // Only escapes can make a longer literal spell the key.
            return JSONSlice(kind: .string, range: range).stringEquals(key.description, in: bytes)
        }
        return false
    }
}

extension JSONSlice {
    /// The decoded text of a string value; nil for other kinds.
    public func string(in document: UnsafeRawBufferPointer) -> String? {
        guard kind == .string, range.count >= 2, range.upperBound <= document.count else { return nil }
        let inner = UnsafeRawBufferPointer(rebasing: document[(range.lowerBound + 1)..<(range.upperBound - 1)])
        // A loop rather than `inner.contains`: the Sequence method took a generic path
        // (~150 instructions for a model name, callgrind).
        var plain = true
        var i = 0
        while i < inner.count {
            if inner[i] == 0x5C { plain = false; break }
            i += 1
        }
        if plain {
            // Typed UInt8 buffer: String's contiguous fast path (the raw buffer went through
            // the generic collection path).
            guard let p = inner.baseAddress else { return "" }
            return String(decoding: UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: inner.count), as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
        JSONReader.decodeString(document, range, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether this is a string equal to `text`, compared on bytes (no allocation unless the
    /// literal holds escapes).
    public func stringEquals(_ text: String, in document: UnsafeRawBufferPointer) -> Bool {
        guard kind == .string, range.count >= 2, range.upperBound <= document.count else { return false }
        let inner = UnsafeRawBufferPointer(rebasing: document[(range.lowerBound + 1)..<(range.upperBound - 1)])
        var text = text
        // Decoding never lengthens a literal, and every escape shortens it. So: shorter than
        // the text -> different; same length -> equal iff same bytes and no escapes; longer ->
        // can only be equal through escapes (decode then, rare).
        let quick: Bool? = text.withUTF8 { t in
            if inner.count < t.count { return false }
            if inner.count == t.count {
                return t.isEmpty || (memcmpEqual(inner.baseAddress!, t.baseAddress!, t.count) && !t.contains(0x5C))
            }
            return inner.contains(0x5C) ? nil : false
        }
        if let quick { return quick }
        return string(in: document) == text
    }

    /// An integral number as Int64 (see `JSONValue.int64Value`); nil otherwise.
    public func int64(in document: UnsafeRawBufferPointer) -> Int64? {
        guard kind == .number, range.upperBound <= document.count else { return nil }
        // Plain digits (token counts, caps): summed here. Up to 18 digits cannot overflow,
        // and JSONNumber.integer gives the same value; its general walk over the collection
        // cost ~110 instructions per count read (callgrind).
        if range.count <= 18, let base = document.baseAddress {
            var v: Int64 = 0
            var i = range.lowerBound
            while i < range.upperBound {
                let d = base.load(fromByteOffset: i, as: UInt8.self) &- 0x30
                if d >= 10 { break }
                v = v &* 10 &+ Int64(d)
                i += 1
            }
            if i == range.upperBound && !range.isEmpty { return v }
        }
        return JSONNumber.integer(UnsafeRawBufferPointer(rebasing: document[range]))
    }

    public var bool: Bool? {
        switch kind {
        case .true: return true
        case .false: return false
        default: return nil
        }
    }

    /// An object or array with no members/elements.
    public func isEmptyContainer(in document: UnsafeRawBufferPointer) -> Bool {
        guard kind == .object || kind == .array, range.count >= 2, range.upperBound <= document.count else { return false }
        var i = range.lowerBound + 1
        while i < range.upperBound - 1 {
            let b = document[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return false }
            i += 1
        }
        return true
    }

    /// Parses just this value into a tree.
    public func value(in document: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        try JSONValue(parsing: bytes(in: document))
    }
}


@inlinable @inline(__always) func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}

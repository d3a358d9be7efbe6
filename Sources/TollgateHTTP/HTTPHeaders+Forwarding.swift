/// Building one head's fields from another's (a proxy forwarding a request or a response)
/// without copying each kept field's bytes: every call here runs on each proxied request.
extension HTTPHeaders {
    /// No fields yet, but `source`'s bytes already in storage (one copy, with room for
    /// `extraBytes` more), so `addForwarded(fieldAt:of:)` adds a field of `source` as a span
    /// alone. Appending each kept field's name and value cost two array appends (~90
    /// instructions each, measured) per field.
    public init(forwardingFrom source: HTTPHeaders, fieldCapacity: Int, extraBytes: Int) {
        storage = source.storage
        storage.reserveCapacity(source.storage.count + extraBytes)
        spans = []
        spans.reserveCapacity(fieldCapacity)
    }

    /// Appends field `i` of `source`, which must be the headers this one was made from with
    /// `init(forwardingFrom:...)` (its bytes are the prefix of this storage).
    @inlinable @inline(__always)
    public mutating func addForwarded(fieldAt i: Int, of source: HTTPHeaders) {
        precondition(source.storage.count <= storage.count, "addForwarded: not made from this source")
        spans.append(source.spans[i])
    }

    /// Appends a field with a literal name and a String value.
    public mutating func add(name: StaticString, value: String) {
        var v = value
        v.withUTF8 { add(name: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), value: $0) }
    }

    /// Appends a field with a literal name and a literal value.
    public mutating func add(name: StaticString, value: StaticString) {
        add(name: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount),
            value: UnsafeBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
    }

    /// Appends a field given as bytes with one array append: name and value are joined in
    /// scratch memory first (each append costs ~90 instructions, measured).
    mutating func add(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let ns = storage.count
        let n = name.count, total = name.count + value.count
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Swift.max(total, 1)) { buf in
            let b = buf.baseAddress!
            if n > 0 { b.update(from: name.baseAddress!, count: n) }
            if total > n { (b + n).update(from: value.baseAddress!, count: total - n) }
            storage.append(contentsOf: UnsafeBufferPointer(start: b, count: total))
        }
        spans.append(Span(nameStart: UInt32(truncatingIfNeeded: ns), nameEnd: UInt32(truncatingIfNeeded: ns + n),
                          valueStart: UInt32(truncatingIfNeeded: ns + n), valueEnd: UInt32(truncatingIfNeeded: ns + total)))
    }

    /// Appends a field whose value is `n` in decimal, the digits written in place (making a
    /// String of the number first cost ~200 instructions).
    public mutating func add(name: StaticString, decimal n: Int64) {
        let ns = UInt32(truncatingIfNeeded: storage.count)
        storage.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        let ne = UInt32(truncatingIfNeeded: storage.count)
        appendDecimal(n)
        spans.append(Span(nameStart: ns, nameEnd: ne, valueStart: ne, valueEnd: UInt32(truncatingIfNeeded: storage.count)))
    }

    /// Appends `n` in decimal, the same digits `String(n)` gives.
    mutating func appendDecimal(_ n: Int64) {
        // 19 digits and a sign cover Int64.min.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var m = n.magnitude
            var k = 20
            repeat {
                k -= 1
                buf[k] = UInt8(truncatingIfNeeded: 0x30 &+ m % 10)
                m /= 10
            } while m > 0
            if n < 0 {
                k -= 1
                buf[k] = 0x2D
            }
            storage.append(contentsOf: UnsafeBufferPointer(rebasing: buf[k..<20]))
        }
    }

    /// Index of the first field whose name is the lowercase literal `lower` (ASCII
    /// case-insensitive), from `start`: the String lookup's path without the String.
    public func firstIndex(lowercase lower: StaticString, from start: Int = 0) -> Int? {
        let n = lower.utf8CodeUnitCount
        let l = lower.utf8Start
        return withParts { base, sp -> Int? in
            var i = Swift.max(start, 0)
            while i < sp.count {
                let s = sp[i]
                if s.nameCount == n && asciiEqualsLowercase(base + Int(s.nameStart), l, n) { return i }
                i &+= 1
            }
            return nil
        }
    }

    /// `withValue` for a lowercase literal name: the first value as bytes, nil when absent.
    public func withValue<R>(lowercase lower: StaticString, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard let i = firstIndex(lowercase: lower) else { return nil }
        return withValue(at: i, body)
    }

    /// Whether a field named `lower` (a lowercase literal) is present.
    @inline(__always)
    public func contains(lowercase lower: StaticString) -> Bool { firstIndex(lowercase: lower) != nil }

    /// Whether any `name` field (a lowercase literal) lists `token` (a lowercase literal),
    /// ASCII case-insensitively: `hasToken` without Strings.
    public func hasToken(lowercase name: StaticString, _ token: StaticString) -> Bool {
        // Plain loops over pointers: this runs twice per proxied request.
        let n = name.utf8CodeUnitCount, tn = token.utf8CodeUnitCount
        return withParts { st, sp -> Bool in
            for s in sp where s.nameCount == n && asciiEqualsLowercase(st + Int(s.nameStart), name.utf8Start, n) {
                let v = st + Int(s.valueStart)
                let vc = s.valueCount
                var i = 0
                while i < vc {
                    var start = i
                    while i < vc && v[i] != 0x2C { i &+= 1 }
                    var end = i
                    i &+= 1
                    while start < end && (v[start] == 32 || v[start] == 9) { start &+= 1 }
                    while end > start && (v[end &- 1] == 32 || v[end &- 1] == 9) { end &-= 1 }
                    if end &- start == tn && asciiEqualsLowercase(v + start, token.utf8Start, tn) { return true }
                }
            }
            return false
        }
    }

    /// `forEachToken` for a lowercase literal name.
    @inline(__always)
    func forEachToken(lowercase name: StaticString, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        forEachToken(nameBytes: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), body)
    }

    /// Removes the hop-by-hop fields of RFC 9110 section 7.6.1: the fixed list and every field
    /// the Connection field names. One pass over the names when there is none, and no
    /// allocation unless something goes.
    public mutating func removeHopByHop() {
        let (any, namesOthers) = withParts { st, sp -> (Bool, Bool) in
            var any = false
            for s in sp where HTTPHeaders.isHopByHop(UnsafeBufferPointer(start: st + Int(s.nameStart), count: s.nameCount)) {
                any = true
                break
            }
            guard any else { return (false, false) }
            // Connection is itself hop-by-hop, so its tokens are looked at only once something
            // goes; tokens that are hop-by-hop names already ("keep-alive", the usual value)
            // need no per-field comparison.
            var others = false
            forEachToken(lowercase: "connection") { t in
                others = !HTTPHeaders.isHopByHop(t)
                return !others
            }
            return (true, others)
        }
        guard any else { return }
        if namesOthers {
            // Rare: Connection names other fields too; the general path (a token list).
            let listed = tokens("connection")
            removeAll(whereName: { name in HTTPHeaders.isHopByHop(name) || asciiEqualsAny(name, listed) })
            return
        }
        // Compacted in place: only the bytes are read while the spans are rewritten.
        let st = storage
        var kept = 0
        st.withUnsafeBufferPointer { stb in
            let base = stb.baseAddress ?? HTTPHeaders.emptyBytes.utf8Start
            spans.withUnsafeMutableBufferPointer { sp in
                for j in 0..<sp.count {
                    let s = sp[j]
                    if HTTPHeaders.isHopByHop(UnsafeBufferPointer(start: base + Int(s.nameStart), count: s.nameCount)) { continue }
                    sp[kept] = s
                    kept += 1
                }
            }
        }
        spans.removeLast(spans.count - kept)
    }

    /// Whether `name` is one of the fixed hop-by-hop field names (checked by length first).
    @inlinable @inline(__always)
    public static func isHopByHop(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        switch name.count {
        case 2: return asciiEqualsLowercase(name, "te")
        case 7: return asciiEqualsLowercase(name, "upgrade") || asciiEqualsLowercase(name, "trailer")
        case 10: return asciiEqualsLowercase(name, "connection") || asciiEqualsLowercase(name, "keep-alive")
        case 16: return asciiEqualsLowercase(name, "proxy-connection")
        case 17: return asciiEqualsLowercase(name, "transfer-encoding")
        case 18: return asciiEqualsLowercase(name, "proxy-authenticate")
        case 19: return asciiEqualsLowercase(name, "proxy-authorization")
        default: return false
        }
    }
}

/// Whether the `n` bytes at `a` equal the `n` lowercase bytes at `lower`, ASCII
/// case-insensitively.
@inline(__always)
func asciiEqualsLowercase(_ a: UnsafePointer<UInt8>, _ lower: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i < n {
        let c = a[i]
        if (c &- 65 < 26 ? c | 0x20 : c) != lower[i] { return false }
        i &+= 1
    }
    return true
}

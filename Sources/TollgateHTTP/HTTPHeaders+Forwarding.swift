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
    @inline(__always)
    public mutating func addForwarded(fieldAt i: Int, of source: HTTPHeaders) {
        precondition(source.storage.count <= storage.count, "addForwarded: not made from this source")
        spans.append(source.spans[i])
    }

    /// Appends a field with a literal name and a String value.
    public mutating func add(name: StaticString, value: String) {
        let ns = UInt32(truncatingIfNeeded: storage.count)
        storage.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        let ne = UInt32(truncatingIfNeeded: storage.count)
        var v = value
        v.withUTF8 { storage.append(contentsOf: $0) }
        spans.append(Span(nameStart: ns, nameEnd: ne, valueStart: ne, valueEnd: UInt32(truncatingIfNeeded: storage.count)))
    }

    /// Appends a field with a literal name and a literal value.
    public mutating func add(name: StaticString, value: StaticString) {
        let ns = UInt32(truncatingIfNeeded: storage.count)
        storage.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        let ne = UInt32(truncatingIfNeeded: storage.count)
        storage.append(contentsOf: UnsafeBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
        spans.append(Span(nameStart: ns, nameEnd: ne, valueStart: ne, valueEnd: UInt32(truncatingIfNeeded: storage.count)))
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
        // 20 digits and a sign cover Int64.min.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var m = n.magnitude
            var k = 20
            repeat {
                k -= 1
                buf[k] = UInt8(truncatingIfNeeded: 0x30 &+ m % 10)
                m /= 10
            } while m > 0
            if n < 0 { storage.append(0x2D) }
            storage.append(contentsOf: UnsafeBufferPointer(rebasing: buf[k..<20]))
        }
    }

    /// Index of the first field whose name is the lowercase literal `lower` (ASCII
    /// case-insensitive), from `start`: the String lookup's path without the String.
    public func firstIndex(lowercase lower: StaticString, from start: Int = 0) -> Int? {
        let n = lower.utf8CodeUnitCount
        let l = lower.utf8Start
        return storage.withUnsafeBufferPointer { st -> Int? in
            guard let base = st.baseAddress else { return nil }
            var i = start
            while i < spans.count {
                let s = spans[i]
                if s.nameCount == n && asciiEqualsLowercase(base + Int(s.nameStart), l, n) { return i }
                i += 1
            }
            return nil
        }
    }

    /// Whether a field named `lower` (a lowercase literal) is present.
    @inline(__always)
    public func contains(lowercase lower: StaticString) -> Bool { firstIndex(lowercase: lower) != nil }

    /// Whether any `name` field (a lowercase literal) lists `token` (a lowercase literal),
    /// ASCII case-insensitively: `hasToken` without Strings.
    public func hasToken(lowercase name: StaticString, _ token: StaticString) -> Bool {
        var found = false
        forEachToken(lowercase: name) { piece in
            found = piece.count == token.utf8CodeUnitCount && piece.baseAddress.map { asciiEqualsLowercase($0, token.utf8Start, piece.count) } ?? true
            return !found
        }
        return found
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
        var any = false
        var i = 0
        while i < spans.count {
            if nameIsHopByHop(at: i) { any = true; break }
            i += 1
        }
        guard any else { return }
        // Connection is itself hop-by-hop, so its tokens are looked at only once something
        // goes; tokens that are hop-by-hop names already ("keep-alive", the usual value)
        // need no per-field comparison.
        var namesOthers = false
        forEachToken(lowercase: "connection") { t in
            namesOthers = !HTTPHeaders.isHopByHop(t)
            return !namesOthers
        }
        var kept: [Span] = []
        kept.reserveCapacity(spans.count)
        for j in spans.indices {
            if nameIsHopByHop(at: j) { continue }
            if namesOthers && connectionLists(nameAt: j) { continue }
            kept.append(spans[j])
        }
        spans = kept
    }

    /// Whether field `i`'s name is one of the fixed hop-by-hop names.
    @inline(__always)
    func nameIsHopByHop(at i: Int) -> Bool {
        let s = spans[i]
        switch s.nameCount {
        case 2, 7, 10, 16, 17, 18, 19: break
        default: return false
        }
        return storage.withUnsafeBufferPointer { st in
            HTTPHeaders.isHopByHop(UnsafeBufferPointer(rebasing: st[Int(s.nameStart)..<Int(s.nameEnd)]))
        }
    }

    /// Whether a Connection field lists field `i`'s name (ASCII case-insensitive).
    func connectionLists(nameAt i: Int) -> Bool {
        let s = spans[i]
        let st = storage
        return st.withUnsafeBufferPointer { st in
            let name = UnsafeBufferPointer(rebasing: st[Int(s.nameStart)..<Int(s.nameEnd)])
            var listed = false
            forEachToken(lowercase: "connection") { t in
                listed = asciiCaseInsensitiveBytesEqual(t, name)
                return !listed
            }
            return listed
        }
    }

    /// Whether `name` is one of the fixed hop-by-hop field names (checked by length first).
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

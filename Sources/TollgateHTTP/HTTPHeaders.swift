/// An ordered list of header fields. Names keep the case they arrived with (HTTP/1.1) or are
/// lowercase (HTTP/2); lookups are ASCII case-insensitive.
///
/// Names and values live as UTF-8 in one byte array, each field a span into it: parsing a head
/// copies bytes once instead of making two Strings per field, forwarding a field copies bytes,
/// and writing a head is memcpy. The String API below serves everything off the hot path.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Field = (name: String, value: String)

    /// Where one field's name and value sit in `storage`. Public for the HTTP/2 session, which
    /// records a block's spans as it collects the fields.
    public struct Span: Sendable {
        @usableFromInline var nameStart: UInt32
        @usableFromInline var nameEnd: UInt32
        @usableFromInline var valueStart: UInt32
        @usableFromInline var valueEnd: UInt32
        @inlinable
        public init(nameStart: UInt32, nameEnd: UInt32, valueStart: UInt32, valueEnd: UInt32) {
            self.nameStart = nameStart
            self.nameEnd = nameEnd
            self.valueStart = valueStart
            self.valueEnd = valueEnd
        }
        @inlinable var nameCount: Int { Int(nameEnd &- nameStart) }
        @inlinable var valueCount: Int { Int(valueEnd &- valueStart) }
    }

    @usableFromInline var storage: [UInt8]
    @usableFromInline var spans: [Span]

    public init() {
        storage = []
        spans = []
    }

    public init(_ fields: [Field]) {
        self.init()
        for f in fields { add(f.name, f.value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init()
        for (n, v) in elements { add(n, v) }
    }

    /// Room for `fields` fields and `bytes` bytes of names and values.
    public init(reservingFields fields: Int, bytes: Int) {
        self.init()
        spans.reserveCapacity(fields)
        storage.reserveCapacity(bytes)
    }

    /// Fields `spans` into `block` (a parsed head's field lines): each array made in one copy.
    public init(block: UnsafeRawBufferPointer, spans: UnsafeBufferPointer<Span>) {
        storage = Array(block)
        self.spans = Array(spans)
    }

    /// Fields `spanArray` into `block`.
    init(block: UnsafeRawBufferPointer, spanArray: [Span]) {
        storage = Array(block)
        spans = spanArray
    }

    /// Fields that will all point into `block` (a header block's bytes, copied once), added by
    /// `addBlockField`. Public for the HTTP/2 session, which collects a block's fields this way.
    public init(block: UnsafeRawBufferPointer, fieldCapacity: Int) {
        storage = Array(block)
        spans = []
        spans.reserveCapacity(fieldCapacity)
    }

    /// Adds a field whose name and value are ranges of the block given at init.
    @inline(__always)
    public mutating func addBlockField(name: Range<Int>, value: Range<Int>) {
        spans.append(Span(nameStart: UInt32(truncatingIfNeeded: name.lowerBound), nameEnd: UInt32(truncatingIfNeeded: name.upperBound),
                          valueStart: UInt32(truncatingIfNeeded: value.lowerBound), valueEnd: UInt32(truncatingIfNeeded: value.upperBound)))
    }

    public var count: Int { spans.count }

    /// Bytes of names and values held (an upper bound on what the fields use).
    public var byteCount: Int { storage.count }

    /// The fields as Strings (allocates: for code off the hot path).
    public var fields: [Field] {
        var out: [Field] = []
        out.reserveCapacity(spans.count)
        for i in spans.indices { out.append((name: name(at: i), value: value(at: i))) }
        return out
    }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The name of field `i`.
    public func name(at i: Int) -> String {
        let s = spans[i]
        return storage.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(s.nameStart)..<Int(s.nameEnd)]), as: UTF8.self) }
    }

    /// The value of field `i`.
    public func value(at i: Int) -> String {
        let s = spans[i]
        return storage.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(s.valueStart)..<Int(s.valueEnd)]), as: UTF8.self) }
    }

    /// Index of the first field named `name`, from `start`.
    public func firstIndex(of name: String, from start: Int = 0) -> Int? {
        var name = name
        return name.withUTF8 { n in firstIndex(ofBytes: n, from: start) }
    }

    func firstIndex(ofBytes n: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        withParts { st, sp -> Int? in
            var i = Swift.max(start, 0)
            while i < sp.count {
                let s = sp[i]
                if s.nameCount == n.count && asciiCaseInsensitiveBytesEqual(UnsafeBufferPointer(start: st + Int(s.nameStart), count: s.nameCount), n) { return i }
                i &+= 1
            }
            return nil
        }
    }

    /// Calls `body` with the field bytes and the spans, as pointers: the lookups below run
    /// on every request, and indexing the arrays inside closures kept retaining them.
    @inlinable @inline(__always)
    func withParts<R>(_ body: (UnsafePointer<UInt8>, UnsafeBufferPointer<Span>) -> R) -> R {
        storage.withUnsafeBufferPointer { st in
            spans.withUnsafeBufferPointer { sp in
                // No bytes (only empty names and values): any valid pointer will do.
                body(st.baseAddress ?? HTTPHeaders.emptyBytes.utf8Start, sp)
            }
        }
    }

    @usableFromInline static let emptyBytes: StaticString = ""

    /// The first value of `name`, if any.
    public subscript(name: String) -> String? {
        firstIndex(of: name).map { value(at: $0) }
    }

    /// Calls `body` with the first value of `name` as bytes (nil when absent): a check on a
    /// value without making a String of it.
    public func withValue<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard let i = firstIndex(of: name) else { return nil }
        return withValue(at: i, body)
    }

    /// Calls `body` with the value of field `i` as bytes.
    public func withValue<R>(at i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let s = spans[i]
        return storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[Int(s.valueStart)..<Int(s.valueEnd)])) }
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        var out: [String] = []
        var i = 0
        while let j = firstIndex(of: name, from: i) {
            out.append(value(at: j))
            i = j + 1
        }
        return out
    }

    public func contains(_ name: String) -> Bool { firstIndex(of: name) != nil }

    public mutating func add(_ name: String, _ value: String) {
        let ns = UInt32(truncatingIfNeeded: storage.count)
        appendUTF8(name)
        let ne = UInt32(truncatingIfNeeded: storage.count)
        appendUTF8(value)
        spans.append(Span(nameStart: ns, nameEnd: ne, valueStart: ne, valueEnd: UInt32(truncatingIfNeeded: storage.count)))
    }

    /// Appends a field given as bytes (the parsers' path: no String is made).
    public mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let ns = UInt32(truncatingIfNeeded: storage.count)
        storage.append(contentsOf: name)
        let ne = UInt32(truncatingIfNeeded: storage.count)
        storage.append(contentsOf: value)
        spans.append(Span(nameStart: ns, nameEnd: ne, valueStart: ne, valueEnd: UInt32(truncatingIfNeeded: storage.count)))
    }

    /// Appends field `i` of `other` as is (forwarding: a byte copy).
    public mutating func add(fieldAt i: Int, of other: HTTPHeaders) {
        let s = other.spans[i]
        other.storage.withUnsafeBytes { st in
            add(name: UnsafeRawBufferPointer(rebasing: st[Int(s.nameStart)..<Int(s.nameEnd)]),
                value: UnsafeRawBufferPointer(rebasing: st[Int(s.valueStart)..<Int(s.valueEnd)]))
        }
    }

    /// Appends field `i` of `other` under another name (its value copied as bytes).
    public mutating func add(fieldAt i: Int, of other: HTTPHeaders, renamedTo name: StaticString) {
        let s = other.spans[i]
        other.storage.withUnsafeBytes { st in
            add(name: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount),
                value: UnsafeRawBufferPointer(rebasing: st[Int(s.valueStart)..<Int(s.valueEnd)]))
        }
    }

    @inline(__always)
    mutating func appendUTF8(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ storage.append(contentsOf: $0) }) == nil {
            storage.append(contentsOf: s.utf8)
        }
    }

    public mutating func remove(_ name: String) {
        var name = name
        name.withUTF8 { n in
            let st = storage
            st.withUnsafeBufferPointer { st in
                spans.removeAll { s in
                    s.nameCount == n.count && asciiCaseInsensitiveBytesEqual(UnsafeBufferPointer(rebasing: st[Int(s.nameStart)..<Int(s.nameEnd)]), n)
                }
            }
        }
    }

    /// Replaces every field named `name` by one field with `value`, keeping the first one's place.
    public mutating func set(_ name: String, _ value: String) {
        guard let i = firstIndex(of: name) else { return add(name, value) }
        let vs = UInt32(truncatingIfNeeded: storage.count)
        appendUTF8(value)
        spans[i].valueStart = vs
        spans[i].valueEnd = UInt32(truncatingIfNeeded: storage.count)
        var j = spans.count - 1
        while j > i {
            if firstIndex(of: name, from: j) == j { spans.remove(at: j) }
            j -= 1
        }
    }

    /// Removes the fields `predicate` picks (Strings per field: off the hot path).
    public mutating func removeAll(where predicate: (Field) -> Bool) {
        var keep: [Span] = []
        keep.reserveCapacity(spans.count)
        for i in spans.indices where !predicate((name: name(at: i), value: value(at: i))) { keep.append(spans[i]) }
        spans = keep
    }

    /// Removes the fields whose name bytes `predicate` picks (no allocation).
    public mutating func removeAll(whereName predicate: (UnsafeBufferPointer<UInt8>) -> Bool) {
        let st = storage
        st.withUnsafeBufferPointer { st in
            spans.removeAll { s in predicate(UnsafeBufferPointer(rebasing: st[Int(s.nameStart)..<Int(s.nameEnd)])) }
        }
    }

    /// Calls `body` with each field's index, name bytes and value bytes, in order.
    @inlinable
    public func forEachField(_ body: (Int, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        storage.withUnsafeBufferPointer { st in
            for i in spans.indices {
                let s = spans[i]
                body(i, UnsafeBufferPointer(rebasing: st[Int(s.nameStart)..<Int(s.nameEnd)]),
                     UnsafeBufferPointer(rebasing: st[Int(s.valueStart)..<Int(s.valueEnd)]))
            }
        }
    }

    /// Whether any `name` field lists `token` (comma-separated, ASCII case-insensitive), without
    /// allocating: the keep-alive and hop-by-hop checks run on every request.
    public func hasToken(_ name: String, _ token: String) -> Bool {
        var token = token
        return token.withUTF8 { want in
            var found = false
            forEachToken(name) { piece in
                found = asciiCaseInsensitiveBytesEqual(piece, want)
                return !found
            }
            return found
        }
    }

    /// Comma-separated tokens of every `name` field, lowercased and trimmed (Connection, TE...).
    public func tokens(_ name: String) -> [String] {
        var out: [String] = []
        forEachToken(name) { piece in
            // Bytes, lowercased in place: no Character processing on the hot path.
            out.append(String(unsafeUninitializedCapacity: piece.count) { buf in
                for (k, b) in piece.enumerated() { buf[k] = (b >= 65 && b <= 90) ? b | 0x20 : b }
                return piece.count
            })
            return true
        }
        return out
    }

    /// Calls `body` with each non-empty, whitespace-trimmed comma-separated token of every
    /// `name` field, as bytes, until it returns false.
    public func forEachToken(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        var name = name
        name.withUTF8 { n in forEachToken(nameBytes: n, body) }
    }

    /// `forEachToken` for a name given as bytes (inlined: the closures become plain loops).
    @inline(__always)
    func forEachToken(nameBytes n: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        withParts { st, sp in
            for s in sp where s.nameCount == n.count {
                guard asciiCaseInsensitiveBytesEqual(UnsafeBufferPointer(start: st + Int(s.nameStart), count: s.nameCount), n) else { continue }
                let v = UnsafeBufferPointer(start: st + Int(s.valueStart), count: s.valueCount)
                var i = 0
                while i < v.count {
                    var start = i
                    while i < v.count && v[i] != UInt8(ascii: ",") { i += 1 }
                    var end = i
                    i += 1
                    while start < end && (v[start] == 32 || v[start] == 9) { start += 1 }
                    while end > start && (v[end - 1] == 32 || v[end - 1] == 9) { end -= 1 }
                    if end > start && !body(UnsafeBufferPointer(rebasing: v[start..<end])) { return }
                }
            }
        }
    }

    /// Bytes `appendWire` writes.
    public var wireSize: Int {
        spans.withUnsafeBufferPointer { sp in
            var n = 0
            for s in sp { n &+= s.nameCount &+ s.valueCount &+ 4 }
            return n
        }
    }

    /// Writes every field as "name: value\r\n" (HTTP/1.1) at `p`, which has room for
    /// `wireSize` bytes; returns the bytes written. The caller guarantees valid fields.
    public func writeWire(to p: UnsafeMutablePointer<UInt8>) -> Int {
        withParts { src, sp -> Int in
            var q = p
            for s in sp {
                let nc = s.nameCount, vc = s.valueCount
                q.update(from: src + Int(s.nameStart), count: nc)
                q += nc
                q[0] = 0x3A; q[1] = 0x20
                q += 2
                q.update(from: src + Int(s.valueStart), count: vc)
                q += vc
                q[0] = 0x0D; q[1] = 0x0A
                q += 2
            }
            return q - p
        }
    }

    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        guard a.spans.count == b.spans.count else { return false }
        return a.storage.withUnsafeBufferPointer { sa in
            b.storage.withUnsafeBufferPointer { sb in
                for (x, y) in zip(a.spans, b.spans) {
                    guard x.nameCount == y.nameCount, x.valueCount == y.valueCount,
                          sa[Int(x.nameStart)..<Int(x.nameEnd)].elementsEqual(sb[Int(y.nameStart)..<Int(y.nameEnd)]),
                          sa[Int(x.valueStart)..<Int(x.valueEnd)].elementsEqual(sb[Int(y.valueStart)..<Int(y.valueEnd)])
                    else { return false }
                }
                return true
            }
        }
    }
}

extension StringProtocol {
    /// ASCII case-insensitive equality without allocating.
    @inlinable
    public func asciiCaseInsensitiveEquals<S: StringProtocol>(_ other: S) -> Bool {
        let a = self.utf8, b = other.utf8
        guard a.count == b.count else { return false }
        // Native strings are contiguous: compare raw bytes (the zip of two views is far slower).
        if let r = a.withContiguousStorageIfAvailable({ pa in
            b.withContiguousStorageIfAvailable { pb in asciiCaseInsensitiveBytesEqual(pa, pb) }
        }), let result = r {
            return result
        }
        for (x, y) in zip(a, b) where x != y {
            if (x | 0x20) != (y | 0x20) || !((x | 0x20) >= 97 && (x | 0x20) <= 122) { return false }
        }
        return true
    }

    public func trimmingASCIIWhitespace() -> Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

@inlinable @usableFromInline
func asciiCaseInsensitiveBytesEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var i = 0
    while i < a.count {
        let x = a[i], y = b[i]
        if x != y {
            let lx = x | 0x20
            if lx != (y | 0x20) || lx < 97 || lx > 122 { return false }
        }
        i += 1
    }
    return true
}

/// Whether the field name `name` is one of `tokens` (ASCII case-insensitive): a field the
/// Connection header lists, in the proxy's and HTTP/2's hop-by-hop stripping.
public func asciiEqualsAny(_ name: UnsafeBufferPointer<UInt8>, _ tokens: [String]) -> Bool {
    for t in tokens where t.utf8.count == name.count {
        var t = t
        if t.withUTF8({ asciiCaseInsensitiveBytesEqual(name, $0) }) { return true }
    }
    return false
}

/// Whether `a` equals the lowercase literal `lower`, ASCII case-insensitively (field names).
/// Inlinable: called per field from other modules, it cost ~96 instructions a call when not inlined.
@inlinable @inline(__always)
public func asciiEqualsLowercase(_ a: UnsafeBufferPointer<UInt8>, _ lower: StaticString) -> Bool {
    let n = lower.utf8CodeUnitCount
    guard a.count == n else { return false }
    let p = lower.utf8Start
    var i = 0
    while i < n {
        let c = a[i]
        if (c >= 65 && c <= 90 ? c | 0x20 : c) != p[i] { return false }
        i += 1
    }
    return true
}

/// An ordered list of header fields. Names keep the case they arrived with (HTTP/1.1) or are
/// lowercase (HTTP/2); lookups are ASCII case-insensitive.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Field = (name: String, value: String)
    public private(set) var fields: [Field]

    public init() { fields = [] }
    public init(_ fields: [Field]) { self.fields = fields }
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }
    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of `name`, if any.
    public subscript(name: String) -> String? {
        for f in fields where f.name.asciiCaseInsensitiveEquals(name) { return f.value }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { $0.name.asciiCaseInsensitiveEquals(name) ? $0.value : nil }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }

    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.asciiCaseInsensitiveEquals(name) }
    }

    /// Replaces every field named `name` by one field with `value`, keeping the first one's place.
    public mutating func set(_ name: String, _ value: String) {
        if let i = fields.firstIndex(where: { $0.name.asciiCaseInsensitiveEquals(name) }) {
            fields[i].value = value
            var j = fields.count - 1
            while j > i {
                if fields[j].name.asciiCaseInsensitiveEquals(name) { fields.remove(at: j) }
                j -= 1
            }
        } else {
            add(name, value)
        }
    }

    public mutating func removeAll(where predicate: (Field) -> Bool) { fields.removeAll(where: predicate) }

    /// Whether any `name` field lists `token` (comma-separated, ASCII case-insensitive), without
    /// allocating: the keep-alive and hop-by-hop checks run on every request.
    public func hasToken(_ name: String, _ token: String) -> Bool {
        let want = Array(token.utf8)
        var found = false
        forEachToken(name) { piece in
            found = want.withUnsafeBufferPointer { asciiCaseInsensitiveBytesEqual(piece, $0) }
            return !found
        }
        return found
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
    func forEachToken(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        for f in fields where f.name.asciiCaseInsensitiveEquals(name) {
            var value = f.value
            let more = value.withUTF8 { v -> Bool in
                var i = 0
                while i < v.count {
                    var start = i
                    while i < v.count && v[i] != UInt8(ascii: ",") { i += 1 }
                    var end = i
                    i += 1
                    while start < end && (v[start] == 32 || v[start] == 9) { start += 1 }
                    while end > start && (v[end - 1] == 32 || v[end - 1] == 9) { end -= 1 }
                    if end > start && !body(UnsafeBufferPointer(rebasing: v[start..<end])) { return false }
                }
                return true
            }
            if !more { return }
        }
    }

    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
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

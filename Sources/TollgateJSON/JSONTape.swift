/// Every value of a validated document, in document order, each with its byte range, its key
/// (for object members) and the index just past its subtree. Built in the one validating pass,
/// so reading nested fields afterwards never walks or re-validates bytes: a lookup steps from a
/// container's first child to its next sibling by index. The idea is simdjson's tape, kept
/// small: a request body or a stream event holds tens of values.
/// Unchecked: the entry buffer (a ManagedBuffer, never Sendable) is immutable once built.
public struct JSONTape: @unchecked Sendable {
    public struct Entry: Sendable {
        public var kind: JSONSlice.Kind
        /// Byte range of the value (no surrounding whitespace).
        public var start: Int
        public var end: Int
        /// Byte range of the member's key literal (quotes included); empty when not a member.
        public var keyStart: Int
        public var keyEnd: Int
        /// Index of the entry after this value's subtree (its next sibling, if any).
        public var next: Int
        /// The key literal holds escapes (then it is compared decoded, else as bytes).
        public var keyEscaped = false

        @inlinable public var slice: JSONSlice { JSONSlice(kind: kind, range: start..<end) }
        public var key: JSONSlice? { keyEnd > keyStart ? JSONSlice(kind: .string, range: keyStart..<keyEnd) : nil }
    }

    /// The entries, in one tail-allocated buffer written through a pointer while recording:
    /// `Array.append` (capacity and uniqueness checks, a call per value) was most of the
    /// ~90 instructions a value cost (callgrind). Immutable once built.
    @usableFromInline let storage: Storage
    /// Number of entries (values in the document).
    @inlinable public var count: Int { storage.header }

    /// Inlinable accessors: the provider readers in TollgateLLM step through entries per
    /// member, and a call per step into this module cost more than the step.
    @usableFromInline final class Storage: ManagedBuffer<Int, Entry> {}

    /// Validates `bytes` (strict RFC 8259, the same rules and errors as `JSONScanner`) and
    /// records every value.
    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONLimits.defaultMaxDepth) throws(JSONParseError) {
        var r = JSONReader(bytes, maxDepth: maxDepth)
        var b = Builder(documentBytes: bytes.count)
        try Self.record(&r, &b)
        try r.expectEnd()
        storage = b.finish()
    }

    /// Records only the value at `value` (a slice of `bytes` from an earlier validating pass),
    /// with document offsets: a reader that needs one member of a large document validates it
    /// with the cheaper skip path and tapes just that member.
    public init(value: JSONSlice, in bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONLimits.defaultMaxDepth) throws(JSONParseError) {
        guard value.range.upperBound <= bytes.count else {
            throw JSONParseError(.typeMismatch, "the value is not in the document", offset: value.range.lowerBound, in: bytes)
        }
        var r = JSONReader(bytes, at: value.range.lowerBound, maxDepth: maxDepth)
        var b = Builder(documentBytes: value.range.count)
        try Self.record(&r, &b)
        guard r.pos == value.range.upperBound else {
            throw JSONParseError(.typeMismatch, "the slice is not one value", offset: value.range.lowerBound, in: bytes)
        }
        storage = b.finish()
    }

    /// Entry `i` (0 ..< count).
    @inlinable @inline(__always)
    public subscript(i: Int) -> Entry {
        precondition(i >= 0 && i < count, "tape index out of range")
        return storage.withUnsafeMutablePointerToElements { $0[i] }
    }

    /// Every entry, in document order (a copy: for tests and cold callers).
    public var entries: [Entry] {
        storage.withUnsafeMutablePointerToElements { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }

    @inlinable public var root: JSONSlice { self[0].slice }

    /// Index of the value that starts at `slice`'s first byte (values start at distinct
    /// bytes, and the tape is in document order), or nil for a slice of another document.
    public func index(of slice: JSONSlice) -> Int? {
        let target = slice.range.lowerBound
        let n = count
        return storage.withUnsafeMutablePointerToElements { e -> Int? in
            var lo = 0, hi = n
            while lo < hi {
                let mid = (lo + hi) >> 1
                if e[mid].start < target { lo = mid + 1 } else { hi = mid }
            }
            guard lo < n, e[lo].start == target, e[lo].end == slice.range.upperBound else { return nil }
            return lo
        }
    }

    /// Calls `body` with the index of each child of the container at `index`, in order.
    @inlinable @inline(__always)
    public func forEachChild(of index: Int, _ body: (Int) throws(JSONParseError) -> Void) throws(JSONParseError) {
        let end = self[index].next
        var c = index + 1
        while c < end {
            try body(c)
            c = self[c].next
        }
    }

    /// Records the value at the reader's position, and its subtree, as one entry per value.
    /// Iterative rather than one recursive call per value (frame set-up and the typed-error
    /// plumbing per call were most of the pass, measured with callgrind): while a container
    /// is open its entry's `next` holds the enclosing container's index (-1 at the top), and
    /// closing it restores the walk to that parent. Same grammar, errors and offsets as
    /// `JSONReader.skipValue`.
    private static func record(_ r: inout JSONReader, _ t: inout Builder) throws(JSONParseError) {
        var open = -1  // innermost open container
        var depth = 0  // containers open around the next value
        var keyStart = 0, keyEnd = 0, keyEscaped = false
        values: while true {
            let b = try r.peekToken("a value")
            let start = r.pos
            let me = t.count
            if b == 0x7B || b == 0x5B {  // { or [
                try r.enter(depth)
                let isObject = b == 0x7B
                t.append(Entry(kind: isObject ? .object : .array, start: start, end: start, keyStart: keyStart, keyEnd: keyEnd, next: open, keyEscaped: keyEscaped))
                r.pos += 1
                if try r.peekToken(isObject ? "a key or '}'" : "a value or ']'") == (isObject ? 0x7D : 0x5D) {
                    r.pos += 1
                    t.base[me].end = r.pos
                    t.base[me].next = me + 1
                } else {
                    open = me
                    depth += 1
                    if isObject {
                        (keyStart, keyEnd, keyEscaped) = try r.memberKey()
                    } else {
                        keyStart = 0; keyEnd = 0; keyEscaped = false
                    }
                    continue values
                }
            } else {
                let kind: JSONSlice.Kind
                switch b {
                case 0x22:
                    kind = .string
                    try r.scanStringInline()
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
                t.append(Entry(kind: kind, start: start, end: r.pos, keyStart: keyStart, keyEnd: keyEnd, next: me + 1, keyEscaped: keyEscaped))
            }
            // A value is complete: a separator leads to the next member, a closer ends the
            // innermost container (which completes a value in turn).
            while open >= 0 {
                let isObject = t.base[open].kind == .object
                let c = try r.peekToken(isObject ? "',' or '}'" : "',' or ']'")
                r.pos += 1
                if c == 0x2C {
                    if isObject {
                        (keyStart, keyEnd, keyEscaped) = try r.memberKey()
                    } else {
                        keyStart = 0; keyEnd = 0; keyEscaped = false
                    }
                    continue values
                }
                guard c == (isObject ? 0x7D : 0x5D) else {
                    throw r.fail(.unexpectedByte, isObject ? "expected ',' or '}'" : "expected ',' or ']'", at: r.pos - 1)
                }
                let parent = t.base[open].next
                t.base[open].end = r.pos
                t.base[open].next = t.count
                open = parent
                depth -= 1
            }
            return
        }
    }

}

extension JSONTape {
    /// `forEachChild` for bodies that cannot fail.
    @inlinable @inline(__always)
    public func forEachChildNoThrow(of index: Int, _ body: (Int) -> Void) {
        let end = self[index].next
        var c = index + 1
        while c < end {
            body(c)
            c = self[c].next
        }
    }
}

extension JSONTape {
    /// The growing entry buffer while a tape is recorded.
    struct Builder {
        var storage: Storage
        var base: UnsafeMutablePointer<Entry>
        var count = 0
        var capacity: Int

        /// Sized from the document: a value takes at least two bytes ("1,"), so small documents
        /// never grow; large ones start smaller (a big base64 string is one value) and double.
        init(documentBytes n: Int) {
            let cap = max(4, min(n / 2 + 1, 64 + n / 256))
            storage = unsafeDowncast(Storage.create(minimumCapacity: cap) { _ in 0 }, to: Storage.self)
            base = storage.withUnsafeMutablePointerToElements { $0 }
            capacity = storage.capacity
        }

        @inline(__always)
        mutating func append(_ e: Entry) {
            if count == capacity { grow() }
            (base + count).initialize(to: e)
            count += 1
        }

        mutating func grow() {
            let bigger = unsafeDowncast(Storage.create(minimumCapacity: capacity * 2) { _ in 0 }, to: Storage.self)
            let p = bigger.withUnsafeMutablePointerToElements { $0 }
            p.moveInitialize(from: base, count: count)
            storage.header = 0
            storage = bigger
            base = p
            capacity = bigger.capacity
        }

        /// The storage, holding `count` entries.
        func finish() -> Storage {
            storage.header = count
            return storage
        }
    }
}

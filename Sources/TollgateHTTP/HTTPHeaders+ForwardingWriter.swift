/// Building a forwarded head's fields in one go: the source's bytes copied once into storage
/// sized up front, kept fields taken as spans, added fields written through a pointer.
/// Appending each added field to the arrays cost ~230 instructions a field (array append
/// paths, scratch memory), and the upstream request head adds five (measured).
extension HTTPHeaders {
    /// Writes added fields into the storage that `init(forwarding:...)` sized.
    public struct ForwardingWriter: ~Copyable {
        @usableFromInline let base: UnsafeMutablePointer<UInt8>
        @usableFromInline let byteCapacity: Int
        @usableFromInline var used: Int
        @usableFromInline let spans: UnsafeMutablePointer<Span>
        @usableFromInline let spanCapacity: Int
        @usableFromInline var count: Int

        @inlinable
        init(base: UnsafeMutablePointer<UInt8>, byteCapacity: Int, used: Int, spans: UnsafeMutablePointer<Span>, spanCapacity: Int, count: Int) {
            self.base = base
            self.byteCapacity = byteCapacity
            self.used = used
            self.spans = spans
            self.spanCapacity = spanCapacity
            self.count = count
        }

        /// Room for `n` more bytes and one more field, or a trap: the caller's bound was wrong.
        @inlinable @inline(__always)
        mutating func reserve(_ n: Int) -> UnsafeMutablePointer<UInt8> {
            precondition(used + n <= byteCapacity && count < spanCapacity, "ForwardingWriter: bound too small")
            return base + used
        }

        @inlinable @inline(__always)
        mutating func commit(nameCount: Int, valueCount: Int) {
            let ns = UInt32(truncatingIfNeeded: used), ne = UInt32(truncatingIfNeeded: used + nameCount)
            used += nameCount + valueCount
            spans[count] = Span(nameStart: ns, nameEnd: ne, valueStart: ne, valueEnd: UInt32(truncatingIfNeeded: used))
            count += 1
        }

        /// A field whose value is `first` then, when given, ", " and `second`.
        @inlinable
        public mutating func add(name: StaticString, value first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>? = nil) {
            let nc = name.utf8CodeUnitCount
            let vc = first.count + (second.map { $0.count + 2 } ?? 0)
            var q = reserve(nc + vc)
            q.update(from: name.utf8Start, count: nc); q += nc
            if let f = first.baseAddress, first.count > 0 { q.update(from: f, count: first.count); q += first.count }
            if let second {
                q[0] = 0x2C; q[1] = 0x20; q += 2
                if let s = second.baseAddress, second.count > 0 { q.update(from: s, count: second.count) }
            }
            commit(nameCount: nc, valueCount: vc)
        }

        /// A field with a String value (`first`, then ", " and `second` when given).
        @inlinable
        public mutating func add(name: StaticString, value first: String, _ second: String? = nil) {
            // The UTF-8 in place (`withUTF8` on a copy cost ~90 instructions a call, measured).
            if let second {
                Self.withBytes(first) { fa in Self.withBytes(second) { fb in add(name: name, value: fa, fb) } }
            } else {
                Self.withBytes(first) { fa in add(name: name, value: fa) }
            }
        }

        /// `body` with the UTF-8 bytes of `s`.
        @inlinable @inline(__always)
        static func withBytes(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            if s.utf8.withContiguousStorageIfAvailable(body) == nil {
                Array(s.utf8).withUnsafeBufferPointer(body)
            }
        }

        /// A field with a literal value.
        @inlinable
        public mutating func add(name: StaticString, value: StaticString) {
            add(name: name, value: UnsafeBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
        }

        /// A field whose value is the value of the source's field `i` (already in this
        /// storage), then ", " and `second` when given.
        @inlinable
        public mutating func add(name: StaticString, valueOfField i: Int, of source: HTTPHeaders, _ second: String? = nil) {
            let s = source.spans[i]
            let v = UnsafeBufferPointer(start: base + Int(s.valueStart), count: s.valueCount)
            if var b = second {
                b.withUTF8 { fb in add(name: name, value: v, fb) }
            } else {
                add(name: name, value: v)
            }
        }

        /// A field whose value is `n` in decimal (the digits `String(n)` gives), written in place.
        @inlinable
        public mutating func add(name: StaticString, decimal n: Int64) {
            var digits = 1
            var m = n.magnitude
            while m >= 10 { m /= 10; digits &+= 1 }
            let nc = name.utf8CodeUnitCount, vc = digits + (n < 0 ? 1 : 0)
            let q = reserve(nc + vc)
            q.update(from: name.utf8Start, count: nc)
            if n < 0 { q[nc] = 0x2D }
            m = n.magnitude
            var k = nc + vc
            repeat {
                k &-= 1
                q[k] = UInt8(truncatingIfNeeded: 0x30 &+ m % 10)
                m /= 10
            } while m > 0
            commit(nameCount: nc, valueCount: vc)
        }
    }

    /// `leading` fields, then the fields of `source` that `keep` picks (given each field's
    /// index and name bytes), then `trailing` fields. The added fields take at most
    /// `extraBytes` bytes and `extraFields` fields (a trap otherwise).
    @inlinable
    public init(forwarding source: HTTPHeaders, extraBytes: Int, extraFields: Int,
                leading: (inout ForwardingWriter) -> Void,
                keep: (Int, UnsafeBufferPointer<UInt8>) -> Bool,
                trailing: (inout ForwardingWriter) -> Void) {
        let srcBytes = source.storage.count, srcFields = source.spans.count
        // Written in scratch memory (on the stack for head sizes), then each array made from
        // it in one copy: `Array(repeating:count:)` and reserving capacity go through
        // unspecialized standard-library paths (~680 instructions per array, measured).
        var bytes: [UInt8] = []
        var spans: [Span] = []
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: srcBytes + extraBytes) { b in
            withUnsafeTemporaryAllocation(of: Span.self, capacity: srcFields + extraFields) { sp in
                let base = b.baseAddress!, spb = sp.baseAddress!
                source.withParts { st, ssp in
                    if srcBytes > 0 { base.update(from: st, count: srcBytes) }
                    var w = ForwardingWriter(base: base, byteCapacity: b.count, used: srcBytes, spans: spb, spanCapacity: sp.count, count: 0)
                    leading(&w)
                    for i in 0..<ssp.count {
                        let s = ssp[i]
                        if keep(i, UnsafeBufferPointer(start: st + Int(s.nameStart), count: s.nameCount)) {
                            precondition(w.count < w.spanCapacity, "ForwardingWriter: bound too small")
                            spb[w.count] = s
                            w.count += 1
                        }
                    }
                    trailing(&w)
                    bytes = Array(UnsafeBufferPointer(start: base, count: w.used))
                    spans = Array(UnsafeBufferPointer(start: spb, count: w.count))
                }
            }
        }
        self.storage = bytes
        self.spans = spans
    }
}

import Glibc

/// A FIFO of bytes for outbound data: appends at the end, consumes from the front, and compacts
/// lazily so a steady stream does not reallocate per write.
///
/// The bytes live in one malloc'd block (copied on write, so the queue is a value like an
/// array): `Array.append(contentsOf:)` cost ~120 instructions a call, and a chunked write
/// (size line, data, CRLF) made three of them, per SSE event.
public struct ByteQueue: Sendable {
    private var box: Storage?

    public init() {}

    public var count: Int { box.map { $0.tail - $0.head } ?? 0 }
    public var isEmpty: Bool { box.map { $0.tail == $0.head } ?? true }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let src = bytes.baseAddress, bytes.count > 0 else { return }
        let dst = reserve(bytes.count)
        dst.copyMemory(from: src, byteCount: bytes.count)
    }

    /// Three pieces in one go (framing, data, framing): room is made once.
    public mutating func append(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ c: UnsafeRawBufferPointer) {
        let total = a.count + b.count + c.count
        guard total > 0 else { return }
        var dst = reserve(total)
        Self.copy(a, to: &dst)
        Self.copy(b, to: &dst)
        Self.copy(c, to: &dst)
    }

    @inline(__always)
    private static func copy(_ piece: UnsafeRawBufferPointer, to dst: inout UnsafeMutableRawPointer) {
        guard let src = piece.baseAddress, piece.count > 0 else { return }
        dst.copyMemory(from: src, byteCount: piece.count)
        dst += piece.count
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public mutating func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { append(UnsafeRawBufferPointer($0)) }
        if done == nil { append(Array(bytes)) }
    }

    /// Drops `n` bytes from the front.
    public mutating func consume(_ n: Int) {
        guard n > 0, box != nil else { return }
        // Checked before any local reference to the block exists (one would make it shared).
        if !isKnownUniquelyReferenced(&box) { box = box!.copy(extra: 0) }
        let b = box!
        precondition(n <= b.tail - b.head, "ByteQueue.consume past the end")
        b.head += n
        if b.head == b.tail {
            // Kept for the next writes unless a burst grew it large.
            if b.capacity > Self.keptCapacity { box = nil } else { b.head = 0; b.tail = 0 }
        }
    }

    public mutating func removeAll() {
        box = nil
    }

    /// Calls `body` with the unconsumed bytes.
    public func withReadableBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let box else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: box.base + box.head, count: box.tail - box.head))
    }

    /// Capacity kept once the queue empties (a larger block is freed).
    static let keptCapacity = 256 * 1024

    /// Makes room for `n` more bytes at the end and claims them; returns where they go.
    private mutating func reserve(_ n: Int) -> UnsafeMutableRawPointer {
        if box == nil {
            box = Storage(capacity: max(n, 512))
        } else if !isKnownUniquelyReferenced(&box) {
            box = box!.copy(extra: n)
        }
        let b = box!
        if b.capacity - b.tail < n {
            // Slide the unconsumed bytes down when that frees enough (and at least half);
            // otherwise grow geometrically, so a run of appends reallocates O(log n) times.
            let live = b.tail - b.head
            if b.head > 0 && b.head >= live && b.capacity - live >= n {
                memmove(b.base, b.base + b.head, live)
                b.head = 0
                b.tail = live
            } else {
                b.grow(to: max(b.capacity * 2, live + n))
            }
        }
        let p = b.base + b.tail
        b.tail += n
        return p
    }

    /// The block: bytes `head..<tail` of `base` are queued.
    private final class Storage: @unchecked Sendable {
        var base: UnsafeMutableRawPointer
        var capacity: Int
        var head = 0
        var tail = 0

        init(capacity: Int) {
            self.capacity = capacity
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        }

        deinit { base.deallocate() }

        /// A fresh block with the unconsumed bytes at its start and room for `extra` more.
        func copy(extra: Int) -> Storage {
            let live = tail - head
            let s = Storage(capacity: max(live + extra, 512))
            s.base.copyMemory(from: base + head, byteCount: live)
            s.tail = live
            return s
        }

        /// Moves the unconsumed bytes to the start of a block of `newCapacity` bytes.
        func grow(to newCapacity: Int) {
            let live = tail - head
            let nb = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            nb.copyMemory(from: base + head, byteCount: live)
            base.deallocate()
            base = nb
            capacity = newCapacity
            head = 0
            tail = live
        }
    }
}

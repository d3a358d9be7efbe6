/// A FIFO of bytes for outbound data: appends at the end, consumes from the front, and compacts
/// lazily so a steady stream does not reallocate per write.
public struct ByteQueue: Sendable {
    public private(set) var storage: [UInt8] = []
    private var head = 0

    public init() {}

    public var count: Int { storage.count - head }
    public var isEmpty: Bool { head == storage.count }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfUseful()
        storage.append(contentsOf: bytes)
    }

    /// Three pieces in one go (framing, data, framing). No reserveCapacity: it grows to the
    /// exact size asked, so a stream of appends reallocated on every one.
    public mutating func append(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ c: UnsafeRawBufferPointer) {
        compactIfUseful()
        storage.append(contentsOf: a)
        storage.append(contentsOf: b)
        storage.append(contentsOf: c)
    }

    public mutating func append(_ bytes: [UInt8]) {
        compactIfUseful()
        storage.append(contentsOf: bytes)
    }

    public mutating func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8 {
        compactIfUseful()
        storage.append(contentsOf: bytes)
    }

    /// Drops `n` bytes from the front.
    public mutating func consume(_ n: Int) {
        head += n
        if head == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 256 * 1024)
            head = 0
        }
    }

    public mutating func removeAll() {
        storage.removeAll()
        head = 0
    }

    /// Calls `body` with the unconsumed bytes.
    public func withReadableBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[head...])) }
    }

    private mutating func compactIfUseful() {
        if head > 0 && head >= storage.count / 2 {
            storage.removeSubrange(0..<head)
            head = 0
        }
    }
}

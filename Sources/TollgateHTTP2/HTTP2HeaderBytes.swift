/// The bytes of a header block under construction, written through a pointer: Array's generic
/// append(contentsOf:) cost ~90 instructions a call, and a response head made several per field.
/// Owned by one `HTTP2OutboundHeaders` (a struct holding it is never copied while in use).
final class HTTP2HeaderBytes {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    /// While pinned, nghttp2 holds pointers into the bytes (header blocks submitted without a
    /// copy), so growing keeps the old buffer alive here instead of freeing it.
    private(set) var isPinned = false
    private var retired: [UnsafeMutablePointer<UInt8>] = []

    init(capacity: Int = 256) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deallocate()
        for b in retired { b.deallocate() }
    }

    /// Every byte written so far must stay where it is until `unpin`.
    func pin() { isPinned = true }

    /// nghttp2 no longer points into the bytes: frees the replaced buffers and forgets the bytes.
    func unpin() {
        isPinned = false
        count = 0
        for b in retired { b.deallocate() }
        retired.removeAll(keepingCapacity: true)
    }

    /// Forgets the bytes, keeping the storage (pinned bytes are kept until `unpin`).
    func removeAll() { if !isPinned { count = 0 } }

    /// Forgets the bytes after the first `n`.
    func truncate(to n: Int) { count = min(count, n) }

    /// Forgets the bytes, keeping the storage unless it grew past `limit` bytes (one large
    /// block should not pin its memory for the life of a connection).
    func removeAll(keepingAtMost limit: Int) {
        precondition(!isPinned)
        count = 0
        guard capacity > limit else { return }
        base.deallocate()
        capacity = 512
        base = .allocate(capacity: capacity)
    }

    /// Inlined: a call per header name and value cost ~60 instructions, about half of it the call.
    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let src = bytes.baseAddress, !bytes.isEmpty else { return }
        if count + bytes.count > capacity { reserve(bytes.count) }
        (base + count).update(from: src, count: bytes.count)
        count += bytes.count
    }

    /// Appends `bytes` with ASCII letters lowercased (HTTP/2 field names are lowercase).
    func appendLowercased(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        let out = base + count
        for i in 0..<bytes.count {
            let c = bytes[i]
            out[i] = c &- 65 < 26 ? c | 0x20 : c
        }
        count += bytes.count
    }

    /// Three decimal digits of `n` (100...999), in one capacity check: a response's :status.
    @inline(__always)
    func appendThreeDigits(_ n: Int) {
        if count + 3 > capacity { reserve(3) }
        base[count] = UInt8(truncatingIfNeeded: 48 + n / 100)
        base[count + 1] = UInt8(truncatingIfNeeded: 48 + n / 10 % 10)
        base[count + 2] = UInt8(truncatingIfNeeded: 48 + n % 10)
        count += 3
    }

    func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ s: StaticString) {
        append(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    func append(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let newCapacity = Swift.max(capacity * 2, count + extra)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.initialize(from: base, count: count)
        if isPinned { retired.append(base) } else { base.deallocate() }
        base = grown
        capacity = newCapacity
    }
}

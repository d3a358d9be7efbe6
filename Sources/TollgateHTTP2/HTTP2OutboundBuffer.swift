/// Bytes queued for one stream's DATA frames, drained by the nghttp2 data provider as flow
/// control allows. One allocation written and read with memcpy (an Array's generic append and
/// its release on drain cost ~900 instructions per response); the storage is released as soon
/// as it empties so idle streams hold no memory. Noncopyable: it owns its allocation.
struct HTTP2OutboundBuffer: ~Copyable {
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0
    /// The unread bytes are base[start..<end].
    private var start = 0
    private var end = 0

    init() {}

    deinit { base?.deallocate() }

    var count: Int { end - start }
    var isEmpty: Bool { end == start }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let src = bytes.baseAddress, !bytes.isEmpty else { return }
        if end + bytes.count > capacity { makeRoom(for: bytes.count) }
        (base! + end).copyMemory(from: src, byteCount: bytes.count)
        end += bytes.count
    }

    /// Copies up to `max` bytes to `dest` and returns how many were copied.
    mutating func read(into dest: UnsafeMutableRawPointer, max: Int) -> Int {
        let n = Swift.min(max, count)
        guard n > 0, let base else { return 0 }
        dest.copyMemory(from: base + start, byteCount: n)
        start += n
        if start == end { removeAll() }
        return n
    }

    mutating func removeAll() {
        base?.deallocate()
        base = nil
        capacity = 0
        start = 0
        end = 0
    }

    /// Room for `extra` more bytes: the consumed prefix is reclaimed first, so a long-lived
    /// stream refilled as it drains does not keep everything it ever sent; else it grows.
    private mutating func makeRoom(for extra: Int) {
        let live = count
        if let base, live + extra <= capacity, start >= capacity / 2 {
            base.copyMemory(from: base + start, byteCount: live)
        } else {
            let newCapacity = Swift.max(capacity * 2, live + extra)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
            if let base {
                grown.copyMemory(from: base + start, byteCount: live)
                base.deallocate()
            }
            base = grown
            capacity = newCapacity
        }
        start = 0
        end = live
    }
}

/// Bytes queued for one stream's DATA frames, drained by the nghttp2 data provider as flow
/// control allows. A flat array with a read index: appends are amortised, reads are memcpy, and
/// the storage is released as soon as it empties so idle streams hold no memory.
struct HTTP2OutboundBuffer {
    private var storage: [UInt8] = []
    private var readIndex = 0

    var count: Int { storage.count - readIndex }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        // Reclaim the consumed prefix before growing, so a long-lived stream that is refilled
        // as it drains does not keep everything it ever sent.
        if readIndex > 0 && readIndex >= storage.count / 2 {
            storage.removeFirst(readIndex)
            readIndex = 0
        }
        storage.append(contentsOf: bytes)
    }

    /// Copies up to `max` bytes to `dest` and returns how many were copied.
    mutating func read(into dest: UnsafeMutableRawPointer, max: Int) -> Int {
        let n = Swift.min(max, count)
        guard n > 0 else { return 0 }
        storage.withUnsafeBytes { src in
            dest.copyMemory(from: src.baseAddress! + readIndex, byteCount: n)
        }
        readIndex += n
        if readIndex == storage.count { removeAll() }
        return n
    }

    mutating func removeAll() {
        storage = []
        readIndex = 0
    }
}

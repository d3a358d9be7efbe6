internal import CNghttp2
import Glibc

/// The allocator one nghttp2 session uses (nghttp2_mem): small blocks come from free lists kept
/// per power-of-two size, so the several short-lived allocations nghttp2 makes per stream (the
/// stream, its outbound items, a copy of each header block, header buffers) are reused instead
/// of each costing a malloc and a free (~70 and ~50-100 instructions: ten streams in flight
/// overflow glibc's per-size cache). At most `maxCachedBytes` sit idle in the lists; the rest
/// is freed at once. Confined to the session's thread, like the session.
///
/// Each block starts with a 16-byte header (alignment as malloc's): the size class, or -1 and
/// the byte count for a block too large for the classes, which goes to malloc directly.
final class HTTP2SessionMemory {
    /// Classes hold 32 << index bytes: 32 ... 4096.
    static let classCount = 8
    static let headerBytes = 16
    static let maxCachedBytes = 64 * 1024

    /// Heads of the free lists; a free block's payload starts with the next free block.
    private let freeLists: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var cachedBytes = 0

    init() {
        freeLists = .allocate(capacity: Self.classCount)
        freeLists.initialize(repeating: nil, count: Self.classCount)
    }

    deinit {
        for c in 0..<Self.classCount {
            var block = freeLists[c]
            while let b = block {
                block = (b + Self.headerBytes).load(as: UnsafeMutableRawPointer?.self)
                Glibc.free(b)
            }
        }
        freeLists.deallocate()
    }

    /// The nghttp2_mem to pass when creating the session; valid while this object lives.
    var nghttp2Mem: nghttp2_mem {
        nghttp2_mem(
            mem_user_data: Unmanaged.passUnretained(self).toOpaque(),
            malloc: { size, user in memory(user)._withUnsafeGuaranteedRef { $0.allocate(size) } },
            free: { pointer, user in memory(user)._withUnsafeGuaranteedRef { $0.free(pointer) } },
            calloc: { count, size, user in memory(user)._withUnsafeGuaranteedRef { $0.allocateZeroed(count, size) } },
            realloc: { pointer, size, user in memory(user)._withUnsafeGuaranteedRef { $0.reallocate(pointer, size) } })
    }

    @inline(__always)
    static func sizeClass(_ size: Int) -> Int {
        size <= 32 ? 0 : Int.bitWidth - (size - 1).leadingZeroBitCount - 5
    }

    func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        let c = Self.sizeClass(size)
        guard c < Self.classCount else {
            guard let block = Glibc.malloc(Self.headerBytes + size) else { return nil }
            block.storeBytes(of: -1, as: Int.self)
            (block + 8).storeBytes(of: size, as: Int.self)
            return block + Self.headerBytes
        }
        if let block = freeLists[c] {
            freeLists[c] = (block + Self.headerBytes).load(as: UnsafeMutableRawPointer?.self)
            cachedBytes -= 32 << c
            return block + Self.headerBytes
        }
        guard let block = Glibc.malloc(Self.headerBytes + (32 << c)) else { return nil }
        block.storeBytes(of: c, as: Int.self)
        return block + Self.headerBytes
    }

    func free(_ pointer: UnsafeMutableRawPointer?) {
        guard let pointer else { return }
        let block = pointer - Self.headerBytes
        let c = block.load(as: Int.self)
        guard c >= 0, cachedBytes + (32 << c) <= Self.maxCachedBytes else {
            Glibc.free(block)
            return
        }
        pointer.storeBytes(of: freeLists[c], as: UnsafeMutableRawPointer?.self)
        freeLists[c] = block
        cachedBytes += 32 << c
    }

    func allocateZeroed(_ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, let pointer = allocate(total) else { return nil }
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: total)
        return pointer
    }

    func reallocate(_ pointer: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer? {
        guard let pointer else { return allocate(size) }
        let block = pointer - Self.headerBytes
        let c = block.load(as: Int.self)
        let capacity = c >= 0 ? 32 << c : (block + 8).load(as: Int.self)
        if c >= 0 && size <= capacity { return pointer }
        guard let moved = allocate(size) else { return nil }
        moved.copyMemory(from: pointer, byteCount: min(capacity, size))
        free(pointer)
        return moved
    }
}

@inline(__always)
private func memory(_ user: UnsafeMutableRawPointer?) -> Unmanaged<HTTP2SessionMemory> {
    Unmanaged<HTTP2SessionMemory>.fromOpaque(user!)
}

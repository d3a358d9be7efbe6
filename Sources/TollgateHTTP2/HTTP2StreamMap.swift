/// Values by stream id for the streams one HTTP/2 connection has open: ids and values in two
/// parallel buffers sorted by id. Peers open streams in increasing id order, so an insert is an
/// append, and a lookup is a binary search over a few dozen ids at most
/// (SETTINGS_MAX_CONCURRENT_STREAMS): cheaper than hashing, which nghttp2's per-frame callbacks
/// made a measurable share of a request.
///
/// The buffers are raw memory in one copy-on-write storage object rather than two Arrays: an
/// Array append of a class reference went through unspecialized runtime calls (~210
/// instructions per insert) and `remove(at:)` cost ~60 per array. Inlinable so that users in
/// other modules get it specialized.
public struct HTTP2StreamMap<Value> {
    @usableFromInline var storage: Storage

    @inlinable public init() { storage = Storage(capacity: 8) }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.count == 0 }

    /// The values, in id order (a copy: for the rare callers that keep them).
    @inlinable public var values: [Value] {
        Array(UnsafeBufferPointer(start: storage.items, count: storage.count))
    }

    /// Calls `body` with every value in id order, over the map as it was when the call began
    /// (the map may change meanwhile: the storage is shared, so a change copies it).
    @inlinable public func forEachValue(_ body: (Value) throws -> Void) rethrows {
        let snapshot = storage
        for i in 0..<snapshot.count { try body(snapshot.items[i]) }
    }

    /// Where `id` is, or where it would be inserted.
    @inlinable func slot(_ id: Int32) -> (index: Int, found: Bool) {
        let ids = storage.ids
        var lo = 0
        var hi = storage.count
        // The newest stream is the usual target.
        if hi > 0 && ids[hi - 1] == id { return (hi - 1, true) }
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if ids[mid] < id { lo = mid + 1 } else { hi = mid }
        }
        return (lo, lo < storage.count && ids[lo] == id)
    }

    @inlinable public subscript(id: Int32) -> Value? {
        get {
            let (i, found) = slot(id)
            return found ? storage.items[i] : nil
        }
        set {
            let (i, found) = slot(id)
            if let newValue {
                makeUnique()
                if found {
                    storage.items[i] = newValue
                } else {
                    storage.insert(newValue, id: id, at: i)
                }
            } else if found {
                makeUnique()
                _ = storage.remove(at: i)
            }
        }
    }

    @inlinable @discardableResult
    public mutating func removeValue(forKey id: Int32) -> Value? {
        let (i, found) = slot(id)
        guard found else { return nil }
        makeUnique()
        return storage.remove(at: i)
    }

    @inlinable public mutating func removeAll() {
        storage = Storage(capacity: 8)
    }

    /// Every entry, in id order.
    @inlinable public var entries: [(key: Int32, value: Value)] {
        var out: [(key: Int32, value: Value)] = []
        out.reserveCapacity(storage.count)
        for i in 0..<storage.count { out.append((storage.ids[i], storage.items[i])) }
        return out
    }

    @inlinable mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// The two buffers; `count` entries of each are initialized.
    @usableFromInline final class Storage {
        @usableFromInline var ids: UnsafeMutablePointer<Int32>
        @usableFromInline var items: UnsafeMutablePointer<Value>
        @usableFromInline var count = 0
        @usableFromInline var capacity: Int

        @inlinable init(capacity: Int) {
            self.capacity = capacity
            ids = .allocate(capacity: capacity)
            items = .allocate(capacity: capacity)
        }

        @inlinable deinit {
            items.deinitialize(count: count)
            items.deallocate()
            ids.deallocate()
        }

        @inlinable func copy() -> Storage {
            let c = Storage(capacity: capacity)
            c.ids.initialize(from: ids, count: count)
            c.items.initialize(from: items, count: count)
            c.count = count
            return c
        }

        @inlinable func insert(_ value: Value, id: Int32, at i: Int) {
            if count == capacity { grow() }
            if i < count {
                (ids + i + 1).moveInitialize(from: ids + i, count: count - i)
                (items + i + 1).moveInitialize(from: items + i, count: count - i)
            }
            (ids + i).initialize(to: id)
            (items + i).initialize(to: value)
            count += 1
        }

        @inlinable func remove(at i: Int) -> Value {
            let value = (items + i).move()
            let tail = count - i - 1
            if tail > 0 {
                (ids + i).moveInitialize(from: ids + i + 1, count: tail)
                (items + i).moveInitialize(from: items + i + 1, count: tail)
            }
            count -= 1
            return value
        }

        @usableFromInline func grow() {
            let newCapacity = capacity * 2
            let newIDs = UnsafeMutablePointer<Int32>.allocate(capacity: newCapacity)
            let newItems = UnsafeMutablePointer<Value>.allocate(capacity: newCapacity)
            newIDs.moveInitialize(from: ids, count: count)
            newItems.moveInitialize(from: items, count: count)
            ids.deallocate()
            items.deallocate()
            ids = newIDs
            items = newItems
            capacity = newCapacity
        }
    }
}

/// Values by stream id for the streams one HTTP/2 connection has open: two parallel arrays
/// sorted by id. Peers open streams in increasing id order, so an insert is an append, and a
/// lookup is a binary search over a few dozen ids at most (SETTINGS_MAX_CONCURRENT_STREAMS):
/// cheaper than hashing, which nghttp2's per-frame callbacks made a measurable share of a
/// request. Inlinable so that users in other modules get it specialized.
public struct HTTP2StreamMap<Value> {
    @usableFromInline var ids: [Int32] = []
    @usableFromInline var items: [Value] = []

    @inlinable public init() {}

    @inlinable public var count: Int { ids.count }
    @inlinable public var isEmpty: Bool { ids.isEmpty }

    /// The values, in id order.
    @inlinable public var values: [Value] { items }

    /// Where `id` is, or where it would be inserted.
    @inlinable func slot(_ id: Int32) -> (index: Int, found: Bool) {
        var lo = 0
        var hi = ids.count
        // The newest stream is the usual target.
        if hi > 0 && ids[hi - 1] == id { return (hi - 1, true) }
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if ids[mid] < id { lo = mid + 1 } else { hi = mid }
        }
        return (lo, lo < ids.count && ids[lo] == id)
    }

    @inlinable public subscript(id: Int32) -> Value? {
        get {
            let (i, found) = slot(id)
            return found ? items[i] : nil
        }
        set {
            let (i, found) = slot(id)
            if let newValue {
                if found {
                    items[i] = newValue
                } else if i == ids.count {
                    // The usual case (ids only grow): insert(at:) went through a generic
                    // replaceSubrange.
                    ids.append(id)
                    items.append(newValue)
                } else {
                    ids.insert(id, at: i)
                    items.insert(newValue, at: i)
                }
            } else if found {
                ids.remove(at: i)
                items.remove(at: i)
            }
        }
    }

    @inlinable @discardableResult
    public mutating func removeValue(forKey id: Int32) -> Value? {
        let (i, found) = slot(id)
        guard found else { return nil }
        ids.remove(at: i)
        return items.remove(at: i)
    }

    @inlinable public mutating func removeAll() {
        ids.removeAll()
        items.removeAll()
    }

    /// Every entry, in id order.
    @inlinable public var entries: [(key: Int32, value: Value)] {
        var out: [(key: Int32, value: Value)] = []
        out.reserveCapacity(ids.count)
        for i in ids.indices { out.append((ids[i], items[i])) }
        return out
    }
}

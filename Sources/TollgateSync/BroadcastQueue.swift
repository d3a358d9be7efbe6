/// Gossip broadcasts waiting to be piggy-backed, least-sent first. A newer update with the same
/// dedupe key supersedes the queued one (by generation, lazily). Kept sorted by send count, so
/// taking and re-queueing a few entries is cheap.
struct BroadcastQueue: Sendable {
    struct Item: Sendable {
        var dedupe: String
        var generation: UInt64
        var update: GossipUpdate
        var sent: Int
    }

    private(set) var items: [Item] = []
    private var current: [String: UInt64] = [:]
    private var generation: UInt64 = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var isEmpty: Bool { current.isEmpty }
    var count: Int { current.count }

    mutating func push(_ dedupe: String, _ update: GossipUpdate) {
        generation += 1
        current[dedupe] = generation
        items.insert(Item(dedupe: dedupe, generation: generation, update: update, sent: 0), at: 0)
        if items.count > 2 * capacity { items.removeAll { current[$0.dedupe] != $0.generation } }
        while current.count > capacity, let last = items.popLast() {
            if current[last.dedupe] == last.generation { current[last.dedupe] = nil }
        }
    }

    /// Appends up to `max - out.count` updates to `out`; each counts one send, and is dropped
    /// after `limit` sends.
    mutating func take(into out: inout [GossipUpdate], max: Int, limit: Int) {
        var taken: [Item] = []
        let i = 0
        while i < items.count && out.count < max {
            let it = items[i]
            if current[it.dedupe] != it.generation { items.remove(at: i); continue }
            out.append(it.update)
            items.remove(at: i)
            var t = it
            t.sent += 1
            if t.sent >= limit { current[t.dedupe] = nil } else { taken.append(t) }
        }
        for t in taken {
            // insert after every item with sent <= t.sent (binary search; items stay sorted)
            var lo = 0, hi = items.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if items[mid].sent <= t.sent { lo = mid + 1 } else { hi = mid }
            }
            items.insert(t, at: lo)
        }
    }
}

/// The naive sync-only baseline (Kong sync_rate, Gubernator GLOBAL, LiteLLM without Redis): each
/// node counts locally and admits against `last synced global total + local growth since`, and
/// every sync interval reports its cumulative count to the key's owner, which answers with the
/// new global total. No escrow, so N nodes can each spend the same remainder.
struct BaselineNode: Sendable {
    var committed: Int64 = 0          // this node's reservations + settled actuals
    var globalAtSync: Int64 = 0
    var ownAtSync: Int64 = 0
    var lastSync: Int64 = .min / 2

    func admits(_ amount: Int64, limit: Int64) -> Bool {
        globalAtSync + (committed - ownAtSync) + amount <= limit
    }
}

/// The baseline's aggregator: max-merges cumulative counts per (node, epoch) and sums them.
struct BaselineAggregator: Sendable {
    var counts: [Int: Int64] = [:]   // sidecar index * 2^20 + epoch -> cumulative
    var total: Int64 = 0

    mutating func report(node: Int, epoch: UInt64, cumulative: Int64) -> Int64 {
        let k = node << 20 | Int(epoch & 0xFFFFF)
        let cur = counts[k] ?? 0
        if cumulative != cur { total += cumulative - cur; counts[k] = cumulative }
        return total
    }
}

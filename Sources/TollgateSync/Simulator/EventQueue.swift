/// A binary min-heap of timed events; ties break by insertion order, so runs are deterministic.
/// The heap moves small (time, seq, slot) triples; events stay put in a slab.
struct EventQueue<Event> {
    private struct Node { var time: Int64; var seq: UInt64; var slot: Int32 }
    private var heap: [Node] = []
    private var slab: [Event?] = []
    private var free: [Int32] = []
    private var nextSeq: UInt64 = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    mutating func push(_ time: Int64, _ event: Event) {
        let slot: Int32
        if let f = free.popLast() { slot = f; slab[Int(f)] = event } else { slot = Int32(slab.count); slab.append(event) }
        heap.append(Node(time: time, seq: nextSeq, slot: slot))
        nextSeq += 1
        var i = heap.count - 1
        let x = heap[i]
        while i > 0 {
            let p = (i - 1) / 2
            if Self.less(x, heap[p]) { heap[i] = heap[p]; i = p } else { break }
        }
        heap[i] = x
    }

    mutating func pop() -> (Int64, Event)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = l
                if l >= n { break }
                if r < n && Self.less(heap[r], heap[l]) { m = r }
                if Self.less(heap[m], last) { heap[i] = heap[m]; i = m } else { break }
            }
            heap[i] = last
        }
        let e = slab[Int(top.slot)]!
        slab[Int(top.slot)] = nil
        free.append(top.slot)
        return (top.time, e)
    }

    private static func less(_ a: Node, _ b: Node) -> Bool { a.time != b.time ? a.time < b.time : a.seq < b.seq }
}

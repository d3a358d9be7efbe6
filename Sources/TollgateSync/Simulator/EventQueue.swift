/// A binary min-heap of timed events; ties break by insertion order, so runs are deterministic.
struct EventQueue<Event> {
    private var times: [Int64] = []
    private var seqs: [UInt64] = []
    private var events: [Event] = []
    private var nextSeq: UInt64 = 0

    var count: Int { events.count }
    var isEmpty: Bool { events.isEmpty }

    mutating func push(_ time: Int64, _ event: Event) {
        times.append(time); seqs.append(nextSeq); events.append(event)
        nextSeq += 1
        var i = events.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if less(i, p) { swapAt(i, p); i = p } else { break }
        }
    }

    mutating func pop() -> (Int64, Event)? {
        guard !events.isEmpty else { return nil }
        swapAt(0, events.count - 1)
        let t = times.removeLast(); seqs.removeLast()
        let e = events.removeLast()
        var i = 0
        let n = events.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && less(l, m) { m = l }
            if r < n && less(r, m) { m = r }
            if m == i { break }
            swapAt(i, m); i = m
        }
        return (t, e)
    }

    private func less(_ a: Int, _ b: Int) -> Bool { times[a] != times[b] ? times[a] < times[b] : seqs[a] < seqs[b] }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        times.swapAt(a, b); seqs.swapAt(a, b); events.swapAt(a, b)
    }
}

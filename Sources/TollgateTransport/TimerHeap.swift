/// A scheduled callback on one event loop. Cancelling only marks it; the heap drops it lazily.
public final class LoopTimer {
    public let deadline: UInt64
    fileprivate var callback: (() -> Void)?
    fileprivate let sequence: UInt64

    fileprivate init(deadline: UInt64, sequence: UInt64, callback: @escaping () -> Void) {
        self.deadline = deadline
        self.sequence = sequence
        self.callback = callback
    }

    public var isCancelled: Bool { callback == nil }

    /// Cancels the timer (idempotent). Only call on the loop that owns it.
    public func cancel() { callback = nil }
}

/// Binary min-heap of timers ordered by (deadline, sequence) so equal deadlines fire in order.
struct TimerHeap {
    private var items: [LoopTimer] = []
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }

    mutating func schedule(deadline: UInt64, _ callback: @escaping () -> Void) -> LoopTimer {
        nextSequence &+= 1
        let t = LoopTimer(deadline: deadline, sequence: nextSequence, callback: callback)
        items.append(t)
        siftUp(items.count - 1)
        return t
    }

    /// The earliest live deadline, dropping cancelled timers on the way.
    mutating func nextDeadline() -> UInt64? {
        while let top = items.first, top.isCancelled { _ = popTop() }
        return items.first?.deadline
    }

    /// Pops every timer due at `now` and returns their callbacks in order.
    mutating func popExpired(now: UInt64) -> [() -> Void] {
        var due: [() -> Void] = []
        while let top = items.first, top.deadline <= now || top.isCancelled {
            let t = popTop()
            if let cb = t.callback {
                t.callback = nil
                due.append(cb)
            }
        }
        return due
    }

    private mutating func popTop() -> LoopTimer {
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            siftDown(0)
        }
        return top
    }

    private func less(_ a: LoopTimer, _ b: LoopTimer) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
    }

    private mutating func siftUp(_ i: Int) {
        var i = i
        while i > 0 {
            let p = (i - 1) / 2
            if less(items[i], items[p]) { items.swapAt(i, p); i = p } else { break }
        }
    }

    private mutating func siftDown(_ i: Int) {
        var i = i
        let n = items.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && less(items[l], items[m]) { m = l }
            if r < n && less(items[r], items[m]) { m = r }
            if m == i { return }
            items.swapAt(i, m)
            i = m
        }
    }
}

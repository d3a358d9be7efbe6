/// A scheduled callback on one event loop. Cancelling only marks it; the heap drops it lazily.
public final class LoopTimer {
    public let deadline: UInt64
    /// Visible to inlined callers: `isCancelled` and `cancel()` are asked per request from
    /// other modules, and as calls each cost a retain and release of the timer around it.
    @usableFromInline var callback: (() -> Void)?

    fileprivate init(deadline: UInt64, callback: @escaping () -> Void) {
        self.deadline = deadline
        self.callback = callback
    }

    @inlinable public var isCancelled: Bool { callback == nil }

    /// Cancels the timer (idempotent). Only call on the loop that owns it.
    @inlinable public func cancel() { callback = nil }
}

/// Binary min-heap of timers ordered by (deadline, sequence) so equal deadlines fire in order.
///
/// Cancelled timers stay in the heap until they reach the top or the heap is compacted. Every
/// proxied request schedules a timeout (600 s by default) and cancels it a millisecond later,
/// so without compaction the heap held every request of the last ten minutes: ~90 bytes each,
/// a gigabyte at 20k requests/s. Compaction runs when the heap has doubled since the last one,
/// which keeps it under twice its live timers at O(1) amortized cost per schedule.
struct TimerHeap {
    /// The ordering keys live beside the reference, so sifting compares without touching the
    /// timer objects.
    struct Slot {
        let deadline: UInt64
        let sequence: UInt64
        let timer: LoopTimer
    }

    private var slots: [Slot] = []
    private var nextSequence: UInt64 = 0
    private var compactAt = TimerHeap.minimumCompactionSize
    static let minimumCompactionSize = 64

    var isEmpty: Bool { slots.isEmpty }
    /// Timers held, cancelled ones not yet dropped included.
    var count: Int { slots.count }

    mutating func schedule(deadline: UInt64, _ callback: @escaping () -> Void) -> LoopTimer {
        if slots.count >= compactAt { compact() }
        nextSequence &+= 1
        let t = LoopTimer(deadline: deadline, callback: callback)
        slots.append(Slot(deadline: deadline, sequence: nextSequence, timer: t))
        siftUp(slots.count - 1)
        return t
    }

    /// The earliest live deadline, dropping cancelled timers on the way.
    mutating func nextDeadline() -> UInt64? {
        while let top = slots.first, top.timer.isCancelled { popTop() }
        return slots.first?.deadline
    }

    /// Pops every timer due at `now` and returns their callbacks in order.
    mutating func popExpired(now: UInt64) -> [() -> Void] {
        var due: [() -> Void] = []
        while let top = slots.first, top.deadline <= now || top.timer.isCancelled {
            popTop()
            if let cb = top.timer.callback {
                top.timer.callback = nil
                due.append(cb)
            }
        }
        return due
    }

    /// Drops every cancelled timer and restores heap order (Floyd's bottom-up build).
    mutating func compact() {
        slots.removeAll { $0.timer.isCancelled }
        var i = slots.count / 2 - 1
        while i >= 0 {
            siftDown(i)
            i -= 1
        }
        compactAt = max(Self.minimumCompactionSize, slots.count * 2)
    }

    private mutating func popTop() {
        let last = slots.removeLast()
        if !slots.isEmpty {
            slots[0] = last
            siftDown(0)
        }
    }

    @inline(__always)
    private static func less(_ a: Slot, _ b: Slot) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
    }

    // The sifts swap through an unsafe buffer: Array.swapAt on references retained and
    // released both elements per step (~80 instructions a level, measured with callgrind).
    private mutating func siftUp(_ start: Int) {
        slots.withUnsafeMutableBufferPointer { s in
            var i = start
            while i > 0 {
                let p = (i - 1) / 2
                guard Self.less(s[i], s[p]) else { return }
                s.swapAt(i, p)
                i = p
            }
        }
    }

    private mutating func siftDown(_ start: Int) {
        slots.withUnsafeMutableBufferPointer { s in
            var i = start
            let n = s.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n && Self.less(s[l], s[m]) { m = l }
                if r < n && Self.less(s[r], s[m]) { m = r }
                if m == i { return }
                s.swapAt(i, m)
                i = m
            }
        }
    }
}

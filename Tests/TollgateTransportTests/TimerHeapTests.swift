import Testing
@testable import TollgateTransport
import TollgateTestSupport

struct TimerHeapTests {
    /// Random schedules, cancels and clock steps fire exactly the live due timers, in
    /// (deadline, schedule order), as a sorted reference list says.
    @Test func firesLiveTimersInOrderAgainstAReference() {
        var rng = SplitMix64(seed: 42)
        var heap = TimerHeap()
        var reference: [(deadline: UInt64, id: Int, timer: LoopTimer)] = []
        var fired: [Int] = []
        var now: UInt64 = 0
        var nextID = 0
        for _ in 0..<20_000 {
            switch rng.next() % 10 {
            case 0...4:
                let id = nextID
                nextID += 1
                // Few distinct deadlines, so ties (schedule order) are exercised.
                let deadline = now + rng.next() % 50
                let t = heap.schedule(deadline: deadline) { fired.append(id) }
                reference.append((deadline, id, t))
            case 5...7:
                if !reference.isEmpty { reference[Int(rng.next() % UInt64(reference.count))].timer.cancel() }
            default:
                now += rng.next() % 20
                let expected = reference.filter { $0.deadline <= now && !$0.timer.isCancelled }
                    .sorted { $0.deadline != $1.deadline ? $0.deadline < $1.deadline : $0.id < $1.id }.map(\.id)
                reference.removeAll { $0.deadline <= now || $0.timer.isCancelled }
                fired.removeAll()
                for cb in heap.popExpired(now: now) { cb() }
                #expect(fired == expected)
                let live = reference.map(\.deadline).min()
                #expect(heap.nextDeadline() == live)
            }
        }
    }

    /// A timeout scheduled and cancelled per request does not pile up: the heap stays under
    /// twice its live timers (the bug was one retained timer per request for ten minutes).
    @Test func cancelledTimersAreCompactedAway() {
        var heap = TimerHeap()
        // Ten live far timers (idle connections), then 100,000 short-lived request timeouts.
        let live = (0..<10).map { i in heap.schedule(deadline: 1_000_000 + UInt64(i)) {} }
        var peak = 0
        for i in 0..<100_000 {
            let t = heap.schedule(deadline: 600_000 + UInt64(i)) {}
            t.cancel()
            peak = max(peak, heap.count)
        }
        #expect(peak <= 2 * TimerHeap.minimumCompactionSize)
        #expect(heap.nextDeadline() == 1_000_000)
        #expect(live.allSatisfy { !$0.isCancelled })
        #expect(heap.popExpired(now: 2_000_000).count == 10)
        #expect(heap.isEmpty)
    }

    /// Compaction keeps every live timer, still in order.
    @Test func compactionKeepsLiveTimersInOrder() {
        var heap = TimerHeap()
        var order: [Int] = []
        var timers: [LoopTimer] = []
        for i in 0..<1_000 {
            timers.append(heap.schedule(deadline: UInt64((i * 7919) % 1_000)) { order.append(i) })
        }
        for (i, t) in timers.enumerated() where i % 3 != 0 { t.cancel() }
        heap.compact()
        #expect(heap.count == timers.indices.filter { $0 % 3 == 0 }.count)
        for cb in heap.popExpired(now: 1_000) { cb() }
        let expected = timers.indices.filter { $0 % 3 == 0 }.sorted { ($0 * 7919) % 1_000 < ($1 * 7919) % 1_000 }
        #expect(order == expected)
    }
}


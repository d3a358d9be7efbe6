import Testing
@testable import TollgateTransport

@Suite struct ByteQueueTests {
    /// Three-piece appends interleaved with partial consumes keep bytes in FIFO order.
    @Test func threePieceAppendKeepsOrder() {
        var q = ByteQueue()
        var model: [UInt8] = []
        var next: UInt8 = 0
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in next &+= 1; return next } }
        for round in 0..<200 {
            let a = bytes(round % 7), b = bytes(round * 13 % 97), c = bytes(2)
            a.withUnsafeBytes { ra in b.withUnsafeBytes { rb in c.withUnsafeBytes { rc in q.append(ra, rb, rc) } } }
            model += a + b + c
            let take = min(model.count, round * 31 % 150)
            let front = q.withReadableBytes { Array($0.prefix(take)) }
            #expect(front == Array(model.prefix(take)))
            q.consume(take)
            model.removeFirst(take)
            #expect(q.count == model.count)
        }
        #expect(q.withReadableBytes { Array($0) } == model)
    }

    /// A copy of a queue is a value: appending to or consuming one leaves the other as it was.
    @Test func copiesAreIndependent() {
        var a = ByteQueue()
        a.append([1, 2, 3, 4])
        var b = a
        b.append([5])
        a.consume(2)
        #expect(a.withReadableBytes { Array($0) } == [3, 4])
        #expect(b.withReadableBytes { Array($0) } == [1, 2, 3, 4, 5])
        var c = b
        c.consume(5)
        #expect(c.isEmpty && c.count == 0)
        #expect(b.count == 5)
        c.removeAll()
        #expect(b.withReadableBytes { Array($0) } == [1, 2, 3, 4, 5])
    }

    /// Large appends, full drains and refills keep FIFO order across growth and compaction.
    @Test func growthAndCompactionKeepOrder() {
        var q = ByteQueue()
        var model: [UInt8] = []
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int(seed >> 33) }
        for _ in 0..<500 {
            let n = [0, 1, 7, 300, 4_096, 70_000][next() % 6]
            let chunk = (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) }
            if next() % 3 == 0 { q.append(contentsOf: chunk.lazy.map { $0 }) } else { q.append(chunk) }
            model += chunk
            let take = model.isEmpty ? 0 : next() % (model.count + 1)
            #expect(q.withReadableBytes { Array($0.prefix(take)) } == Array(model.prefix(take)))
            q.consume(take)
            model.removeFirst(take)
            #expect(q.count == model.count && q.isEmpty == model.isEmpty)
        }
        #expect(q.withReadableBytes { Array($0) } == model)
    }
}

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
}

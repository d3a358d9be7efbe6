import Testing
@testable import TollgateHTTP2

struct HTTP2OutboundBufferTests {
    /// Random appends and reads of random sizes give back exactly the bytes a plain array
    /// queue gives, in order, with the same counts after every step (growth and compaction).
    @Test func matchesAnArrayQueue() {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<50 {
            var buffer = HTTP2OutboundBuffer()
            var model: [UInt8] = []
            var next: UInt8 = UInt8(truncatingIfNeeded: round)
            for _ in 0..<400 {
                if Bool.random(using: &rng) {
                    let n = Int.random(in: 0...700, using: &rng)
                    var chunk: [UInt8] = []
                    for _ in 0..<n { chunk.append(next); next &+= 7 }
                    chunk.withUnsafeBytes { buffer.append($0) }
                    model += chunk
                } else {
                    let max = Int.random(in: 0...900, using: &rng)
                    var out = [UInt8](repeating: 0, count: max)
                    let n = out.withUnsafeMutableBytes { buffer.read(into: $0.baseAddress!, max: max) }
                    let expected = Swift.min(max, model.count)
                    #expect(n == expected)
                    #expect(Array(out[..<n]) == Array(model[..<expected]))
                    model.removeFirst(expected)
                }
                // Read into locals: #expect cannot borrow a noncopyable value.
                let count = buffer.count, isEmpty = buffer.isEmpty
                #expect(count == model.count)
                #expect(isEmpty == model.isEmpty)
            }
            buffer.removeAll()
            let emptied = buffer.isEmpty
            #expect(emptied)
        }
    }
}

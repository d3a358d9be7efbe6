import Testing
@testable import TollgateHTTP

@Suite struct HTTP1ChunkFramingTests {
    /// Size line + data + end written by withChunkFraming equal appendChunk's bytes for many sizes.
    @Test func framingMatchesAppendChunk() {
        var sizes = Array(1...300)
        for shift in 8..<40 { sizes += [1 << shift, (1 << shift) - 1, (1 << shift) + 1] }
        for size in sizes {
            let data = [UInt8](repeating: 0x61, count: min(size, 64))
            data.withUnsafeBytes { d in
                var expected: [UInt8] = []
                HTTP1Serializer.appendHex(size, to: &expected)
                expected += [0x0D, 0x0A]
                expected += d
                expected += [0x0D, 0x0A]
                var got: [UInt8] = []
                HTTP1Serializer.withChunkFraming(size: size) { line, end in got = Array(line) + Array(d) + Array(end) }
                #expect(got == expected, "size \(size)")
                if size == d.count {
                    var viaAppend: [UInt8] = []
                    HTTP1Serializer.appendChunk(d, to: &viaAppend)
                    #expect(got == viaAppend, "size \(size)")
                }
            }
        }
    }
}

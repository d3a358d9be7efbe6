extension HTTP1Serializer {
    /// Calls `body` with a chunk's framing: the size line ("<hex>\r\n") and the "\r\n" that
    /// follows the data. A connection writes them around the data itself, so the data is
    /// copied once (into the output queue), not first into a scratch chunk.
    /// Not generic: an unspecialized generic version (other modules call it) cost ~1,000
    /// instructions per chunk in runtime generics.
    public static func withChunkFraming(size: Int, _ body: (_ sizeLine: UnsafeRawBufferPointer, _ end: UnsafeRawBufferPointer) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            let p = buf.baseAddress!
            let digits: StaticString = "0123456789abcdef"
            var n = 0
            var shift = (Int.bitWidth - size.leadingZeroBitCount + 3) / 4 * 4 - 4
            if shift < 0 { shift = 0 }
            while shift >= 0 {
                p[n] = digits.utf8Start[(size >> shift) & 0xF]
                n += 1
                shift -= 4
            }
            p[n] = 0x0D
            p[n + 1] = 0x0A
            body(UnsafeRawBufferPointer(start: p, count: n + 2), UnsafeRawBufferPointer(start: p + n, count: 2))
        }
    }
}

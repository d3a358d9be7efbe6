/// The one-pass path for a section that arrives whole (nearly every head): its end found eight
/// bytes at a time, and the line-by-line checks left to the parser that walks the lines anyway.
/// Scanning line by line with memchr cost ~530 instructions per head before the parser walked
/// the same lines again (measured).
extension HTTP1SectionScanner {
    /// The end of a section that starts at `bytes[0]` with no leading empty line and fits
    /// `rules`' byte and start-line limits: just past its first CRLF CRLF, with the first LF
    /// preceded by a CR. Nil means "use `scan`": the section is incomplete, odd or too large.
    ///
    /// A parse of `bytes[0..<end]` that then succeeds, with at most `fieldLimit(rules)` fields,
    /// has read every line as CRLF-terminated (names are tokens, values have no CR or LF, the
    /// start line's LF is checked here), so `scan` would have delimited the same section and
    /// raised nothing. A parse that fails must be redone after `scan`, whose errors come first.
    static func wholeSectionEnd(_ bytes: UnsafeRawBufferPointer, _ rules: Rules) -> Int? {
        let n = bytes.count
        guard n >= 4, let p = bytes.baseAddress else { return nil }
        let c0 = p.load(as: UInt8.self)
        guard c0 != HTTP1Bytes.cr && c0 != HTTP1Bytes.lf else { return nil }
        // The LF closing a section lies before index maxBytes; the first one (end of the start
        // line) before firstLineLimit + 2.
        let limit = Swift.min(n, rules.maxBytes)
        let firstWindow = rules.firstLineLimit.map { $0 &+ 2 } ?? Int.max
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let lfs: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
        let crlfcrlf = UInt32(littleEndian: 0x0A0D_0A0D)
        var sawFirst = false
        var i = 0
        // Eight bytes per round; the few left at the end one at a time.
        while i < limit {
            var mask: UInt64
            if i &+ 8 <= limit {
                let x = p.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ lfs
                // May flag a byte above a real LF too: every candidate is checked below.
                mask = (x &- ones) & ~x & highs
                if mask == 0 { i &+= 8; continue }
            } else {
                mask = p.load(fromByteOffset: i, as: UInt8.self) == HTTP1Bytes.lf ? 0x80 : 0
                if mask == 0 { i &+= 1; continue }
            }
            repeat {
                let k = i &+ (mask.trailingZeroBitCount &>> 3)
                mask &= mask &- 1
                guard p.load(fromByteOffset: k, as: UInt8.self) == HTTP1Bytes.lf else { continue }
                if !sawFirst {
                    guard k >= 1, k < firstWindow, p.load(fromByteOffset: k &- 1, as: UInt8.self) == HTTP1Bytes.cr else { return nil }
                    sawFirst = true
                }
                if k >= 3 && p.loadUnaligned(fromByteOffset: k &- 3, as: UInt32.self) == crlfcrlf { return k &+ 1 }
            } while mask != 0
            i &+= i &+ 8 <= limit ? 8 : 1
        }
        return nil
    }

    /// Most fields a section under `rules` may have (its non-empty lines minus the start line).
    static func fieldLimit(_ rules: Rules) -> Int {
        rules.firstLineLimit == nil ? rules.maxLines : rules.maxLines - 1
    }
}

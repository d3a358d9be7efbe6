/// Exact reading of JSON number text as an integer, without going through Double.
enum JSONNumber {
    /// The value of a JSON number if it is integral and fits Int64: "1e3" and "1000.0" are
    /// 1000 because lenient upstreams (e.g. pydantic) accept them as ints, and a budget proxy
    /// must read max_tokens exactly as the upstream will. Fractions and overflow give nil.
    static func integer<C: Collection>(_ text: C) -> Int64? where C.Element == UInt8 {
        var negative = false
        var mantissa: Int64 = 0
        var scale = 0 // power of ten to apply to `mantissa`
        var droppedNonZero = false
        var seenDigit = false
        var i = text.startIndex
        if i < text.endIndex && text[i] == 0x2D { negative = true; i = text.index(after: i) }
        var inFraction = false
        while i < text.endIndex {
            let c = text[i]
            if c == 0x2E { inFraction = true; i = text.index(after: i); continue }
            guard c &- 0x30 < 10 else { break }
            seenDigit = true
            let d = Int64(c &- 0x30)
            let (m, o1) = mantissa.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(d)
            if o1 || o2 {
                // A dropped digit must be zero: a fraction digit then changes nothing, an
                // integer digit multiplies by ten (a non-zero one means out of range or a
                // fraction, either way not an Int64).
                if d != 0 { droppedNonZero = true } else if !inFraction { scale += 1 }
            } else {
                mantissa = s
                if inFraction { scale -= 1 }
            }
            i = text.index(after: i)
        }
        guard seenDigit else { return nil }
        if i < text.endIndex {
            guard text[i] | 0x20 == 0x65 else { return nil }
            i = text.index(after: i)
            var expNegative = false
            if i < text.endIndex && (text[i] == 0x2B || text[i] == 0x2D) { expNegative = text[i] == 0x2D; i = text.index(after: i) }
            var exp = 0
            while i < text.endIndex {
                guard text[i] &- 0x30 < 10 else { return nil }
                exp = min(exp * 10 + Int(text[i] &- 0x30), 100_000)
                i = text.index(after: i)
            }
            scale += expNegative ? -exp : exp
        }
        if droppedNonZero { return nil }
        if mantissa == 0 { return 0 }
        while scale < 0 {
            guard mantissa % 10 == 0 else { return nil }
            mantissa /= 10
            scale += 1
        }
        while scale > 0 {
            let (m, o) = mantissa.multipliedReportingOverflow(by: 10)
            if o { return nil }
            mantissa = m
            scale -= 1
        }
        return negative ? -mantissa : mantissa
    }
}

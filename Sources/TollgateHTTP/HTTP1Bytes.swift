#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte classes and small scanning helpers shared by the HTTP/1 parsers. Everything works on
/// raw bytes: no Characters, no allocation.
enum HTTP1Bytes {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C
    static let semicolon: UInt8 = 0x3B

    /// tchar (RFC 9110 5.6.2) as two 64-bit masks: bytes 0-63 and 64-127.
    @inline(__always)
    static func isToken(_ b: UInt8) -> Bool {
        if b < 64 { return (0x03FF_6CFA_0000_0000 as UInt64) >> UInt64(b) & 1 == 1 }
        if b < 128 { return (0x57FF_FFFF_C7FF_FFFE as UInt64) >> UInt64(b &- 64) & 1 == 1 }
        return false
    }

    /// tchar for every byte value as a table, "1" for a tchar: one load and one compare per
    /// byte where a loop runs over many (field names took ~15 instructions per byte with the
    /// masks, ~7.5 with a 128-entry table and a range check, measured).
    static let tokenTable: StaticString = "0000000000000000000000000000000001011111001101101111111111000000011111111111111111111111111000111111111111111111111111111110101000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

    /// Bytes a Host value may hold (reg-name, IPv4, IP-literal and port characters), as
    /// `tokenTable`: the chain of comparisons it replaces cost ~13 instructions per byte.
    static let hostTable: StaticString = "0000000000000000000000000000000001001111111101101111111111110100011111111111111111111111111101010111111111111111111111111110001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

    /// Index of the first byte at or after `i` that is not a tchar (there must be one: a line
    /// ends in CR).
    @inline(__always)
    static func skipTokens(_ p: UnsafePointer<UInt8>, from i: Int) -> Int {
        let t = tokenTable.utf8Start
        var i = i
        // Four bytes per round: names are most of the bytes this loop sees.
        while true {
            if t[Int(p[i])] != 0x31 { return i }
            if t[Int(p[i &+ 1])] != 0x31 { return i &+ 1 }
            if t[Int(p[i &+ 2])] != 0x31 { return i &+ 2 }
            if t[Int(p[i &+ 3])] != 0x31 { return i &+ 3 }
            i &+= 4
        }
    }

    /// field-vchar / SP / HTAB, obs-text included (RFC 9110 5.5).
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        (b >= 0x20 && b != 0x7F) || b == htab
    }

    /// Index of the first byte in `bytes[from..<to]` that is not printable ASCII (0x20-0x7E), or
    /// `to`. Eight bytes at a time: header values are the bulk of a head and almost always ASCII.
    @inline(__always)
    static func skipPrintableASCII(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int {
        var i = from
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while i &+ 8 <= to {
                let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // A byte < 0x20, a byte == 0x7F (zero after xor), or a byte >= 0x80 stops the fast path.
                let below = (w &- ones &* 0x20) & ~w & highs
                let x = w ^ (ones &* 0x7F)
                let del = (x &- ones) & ~x & highs
                let stop = below | del | (w & highs)
                // The lowest flagged byte is exact (borrows only flag bytes above a real hit):
                // jump to it rather than re-reading the word a byte at a time.
                if stop != 0 { return i &+ (stop.trailingZeroBitCount >> 3) }
                i &+= 8
            }
        }
        while i < to {
            let c = bytes[i]
            if c < 0x20 || c >= 0x7F { return i }
            i += 1
        }
        return i
    }

    @inline(__always)
    static func isOWS(_ b: UInt8) -> Bool { b == sp || b == htab }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    /// Index of the first LF in `bytes[from..<to]`, via memchr.
    @inline(__always)
    static func findLF(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard from < to, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(lf), to - from) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    /// ASCII case-insensitive comparison of `bytes[range]` with a lowercase ASCII literal.
    @inline(__always)
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ lower: StaticString) -> Bool {
        guard range.count == lower.utf8CodeUnitCount else { return false }
        let l = lower.utf8Start
        var i = 0
        for j in range {
            var b = bytes[j]
            if b >= 0x41 && b <= 0x5A { b |= 0x20 }
            if b != l[i] { return false }
            i += 1
        }
        return true
    }

    /// `equalsLowercase` for a field name (tchar bytes only) and a literal of lowercase
    /// letters and "-": eight bytes at a time, folding case with OR 0x20, which maps no other
    /// tchar onto a letter or "-" (only CR, never in a name, would become "-").
    @inline(__always)
    static func nameEqualsLowercase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ lower: StaticString) -> Bool {
        let n = lower.utf8CodeUnitCount
        guard range.count == n, let base = bytes.baseAddress else { return false }
        let a = base + range.lowerBound
        let l = UnsafeRawPointer(lower.utf8Start)
        guard n >= 8 else { return equalsLowercase(bytes, range, lower) }
        let fold: UInt64 = 0x2020_2020_2020_2020
        var i = 0
        while i &+ 8 <= n {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) | fold != l.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        // The last eight bytes again (overlapping) cover the tail.
        return i == n || a.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) | fold == l.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
    }

    /// `bytes[range]` with OWS trimmed on both sides.
    @inline(__always)
    static func trimOWS(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi && isOWS(bytes[lo]) { lo += 1 }
        while hi > lo && isOWS(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// A String of `bytes[range]`, which the caller validated as ASCII or checks as UTF-8.
    /// Returns nil for invalid UTF-8 so no byte is silently replaced (a proxy must forward what it got).
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, asciiOnly: Bool) -> String? {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[range])
        if asciiOnly { return String(decoding: slice, as: UTF8.self) }
        return String(validating: slice, as: UTF8.self)
    }
}

/// Reads wire primitives from an authenticated payload. Every read is bounds-checked and throws
/// `WireError` instead of trapping; counts are checked against the bytes left before allocating.
struct ByteReader {
    static let maxString = 4096
    let bytes: ArraySlice<UInt8>
    var pos: Int
    let base: Int

    init(_ bytes: ArraySlice<UInt8>, base: Int) {
        self.bytes = bytes
        self.pos = bytes.startIndex
        self.base = base
    }

    var offset: Int { base + (pos - bytes.startIndex) }
    var atEnd: Bool { pos == bytes.endIndex }
    var remaining: Int { bytes.endIndex - pos }

    mutating func u8() throws(WireError) -> UInt8 {
        guard pos < bytes.endIndex else { throw WireError(.malformed, at: offset) }
        defer { pos += 1 }
        return bytes[pos]
    }

    mutating func uvar() throws(WireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            if shift == 63 && b > 1 { throw WireError(.malformed, at: offset - 1) }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw WireError(.malformed, at: offset) }
        }
    }

    mutating func svar() throws(WireError) -> Int64 {
        let u = try uvar()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// A non-negative signed value (amounts, durations).
    mutating func amount() throws(WireError) -> Int64 {
        let v = try svar()
        guard v >= 0 else { throw WireError(.malformed, at: offset) }
        return v
    }

    /// An element count; each element takes at least `minElementSize` bytes.
    mutating func count(minElementSize: Int = 1) throws(WireError) -> Int {
        let at = offset
        let n = try uvar()
        guard n <= UInt64(remaining / max(1, minElementSize)) else { throw WireError(.malformed, at: at) }
        return Int(n)
    }

    mutating func bool() throws(WireError) -> Bool {
        let at = offset
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw WireError(.malformed, at: at)
        }
    }

    mutating func string() throws(WireError) -> String {
        let at = offset
        let n = try count()
        guard n <= Self.maxString else { throw WireError(.malformed, at: at) }
        let slice = bytes[pos ..< pos + n]
        pos += n
        guard let s = String(validating: slice, as: UTF8.self) else { throw WireError(.malformed, at: at) }
        return s
    }
}

/// Appends wire primitives: bytes, LEB128 varints, zig-zag signed varints, strings, counts.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func uvar(_ v: UInt64) {
        var x = v
        while x >= 0x80 { bytes.append(UInt8(truncatingIfNeeded: x) | 0x80); x >>= 7 }
        bytes.append(UInt8(x))
    }

    mutating func svar(_ v: Int64) { uvar(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    mutating func count(_ n: Int) { uvar(UInt64(n)) }

    mutating func bool(_ b: Bool) { bytes.append(b ? 1 : 0) }

    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        count(u.count)
        bytes.append(contentsOf: u)
    }
}

/// Binary form of WAL records. All integers little-endian.
///
///     frame   = length:u32 crc:u32 payload[length]
///               crc = CRC32C(length bytes ++ payload), so a corrupted length is caught too
///     payload = kind:u8 body
///     reserve(1), settle(2): id:u64 count:u16 entry*
///     release(3):            id:u64
///     adjust(4):             count:u16 entry*
///     reset(5):              budget:str window:i64
///     snapshot(6):           nextID:u64 count:u32 entry* open:u32 (id:u64 count:u16 entry*)*
///     entry   = budget:str window:i64 amount:i64
///     str     = length:u16 utf8[length]
///
/// A segment file starts with `WALSegmentHeader` (magic + version + segment number).
extension WALRecord {
    public static let frameHeaderSize = 8
    /// Larger lengths are corruption, not records (a snapshot of a million budgets is ~40 MB).
    public static let maxPayload = 64 << 20

    enum Kind: UInt8 {
        case reserve = 1, settle, release, adjust, reset, snapshot
    }

    /// Appends this record's frame to `out`.
    public func encode(into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        // Swap the buffer in and out so it stays uniquely referenced: a copy per record would
        // make encoding a batch quadratic.
        var w = ByteWriter(out: [])
        swap(&w.out, &out)
        switch self {
        case .reserve(let id, let entries), .settle(let id, let entries):
            if case .reserve = self { w.u8(Kind.reserve.rawValue) } else { w.u8(Kind.settle.rawValue) }
            w.u64(id)
            w.entries16(entries)
        case .release(let id):
            w.u8(Kind.release.rawValue)
            w.u64(id)
        case .adjust(let entries):
            w.u8(Kind.adjust.rawValue)
            w.entries16(entries)
        case .reset(let budget, let window):
            w.u8(Kind.reset.rawValue)
            w.str(budget)
            w.u64(UInt64(bitPattern: window))
        case .snapshot(let s):
            w.u8(Kind.snapshot.rawValue)
            w.u64(s.nextReservationID)
            w.u32(UInt32(s.totals.count))
            for e in s.totals { w.entry(e) }
            w.u32(UInt32(s.open.count))
            for o in s.open {
                w.u64(o.id)
                w.entries16(o.entries)
            }
        }
        swap(&w.out, &out)
        let length = UInt32(out.count - start - Self.frameHeaderSize)
        withUnsafeBytes(of: length.littleEndian) { lb in
            for i in 0..<4 { out[start + i] = lb[i] }
        }
        let crc = out.withUnsafeBytes { buf -> UInt32 in
            let c = CRC32C.update(0, UnsafeRawBufferPointer(rebasing: buf[start..<start + 4]))
            return CRC32C.update(c, UnsafeRawBufferPointer(rebasing: buf[(start + 8)...]))
        }
        withUnsafeBytes(of: crc.littleEndian) { cb in
            for i in 0..<4 { out[start + 4 + i] = cb[i] }
        }
    }

    public var encoded: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Decodes a payload whose CRC already matched. Throws on a structurally bad payload.
    public static func decode(payload: UnsafeRawBufferPointer) throws(WALDecodeError) -> WALRecord {
        var r = ByteReader(bytes: payload)
        guard let kind = Kind(rawValue: try r.u8()) else { throw WALDecodeError(.unknownKind) }
        let record: WALRecord
        switch kind {
        case .reserve: record = .reserve(id: try r.u64(), entries: try r.entries16())
        case .settle: record = .settle(id: try r.u64(), entries: try r.entries16())
        case .release: record = .release(id: try r.u64())
        case .adjust: record = .adjust(entries: try r.entries16())
        case .reset: record = .reset(budgetID: try r.str(), windowID: Int64(bitPattern: try r.u64()))
        case .snapshot:
            let next = try r.u64()
            let n = Int(try r.u32())
            guard n <= payload.count else { throw WALDecodeError(.truncatedPayload) }
            var totals: [WALEntry] = []
            totals.reserveCapacity(n)
            for _ in 0..<n { totals.append(try r.entry()) }
            let m = Int(try r.u32())
            guard m <= payload.count else { throw WALDecodeError(.truncatedPayload) }
            var open: [WALOpenReservation] = []
            for _ in 0..<m { open.append(WALOpenReservation(id: try r.u64(), entries: try r.entries16())) }
            record = .snapshot(WALSnapshot(totals: totals, open: open, nextReservationID: next))
        }
        guard r.atEnd else { throw WALDecodeError(.trailingBytes) }
        return record
    }
}

/// A payload that passed its CRC but does not parse (a bug or a foreign file).
public struct WALDecodeError: Error, Equatable, Sendable {
    public enum Code: String, Sendable {
        case unknownKind = "unknown_kind"
        case truncatedPayload = "truncated_payload"
        case badString = "bad_string"
        case trailingBytes = "trailing_bytes"
    }

    public var code: Code

    init(_ code: Code) { self.code = code }
}

/// The 16 bytes at the start of each segment file.
public struct WALSegmentHeader: Sendable, Equatable {
    public static let magic: [UInt8] = Array("TGWAL".utf8) + [0, 0, 1]  // version 1
    public static let size = 16
    public var segment: UInt64

    public init(segment: UInt64) { self.segment = segment }

    public var encoded: [UInt8] {
        var w = ByteWriter(out: Self.magic)
        w.u64(segment)
        return w.out
    }

    public static func decode(_ bytes: some Collection<UInt8>) -> WALSegmentHeader? {
        guard bytes.count >= size, bytes.prefix(8).elementsEqual(magic) else { return nil }
        var n: UInt64 = 0
        for (i, b) in bytes.dropFirst(8).prefix(8).enumerated() { n |= UInt64(b) << (8 * UInt64(i)) }
        return WALSegmentHeader(segment: n)
    }
}

struct ByteWriter {
    var out: [UInt8]

    mutating func u8(_ v: UInt8) { out.append(v) }
    mutating func u16(_ v: UInt16) { out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8)) }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { out.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { out.append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) } }

    mutating func str(_ s: String) {
        // Budget ids are short config names; longer ones are cut at the u16 limit rather than
        // producing an undecodable record.
        let bytes = Array(s.utf8.prefix(Int(UInt16.max)))
        u16(UInt16(bytes.count))
        out.append(contentsOf: bytes)
    }

    mutating func entry(_ e: WALEntry) {
        str(e.budgetID)
        u64(UInt64(bitPattern: e.windowID))
        u64(UInt64(bitPattern: e.amount))
    }

    mutating func entries16(_ es: [WALEntry]) {
        let n = min(es.count, Int(UInt16.max))
        u16(UInt16(n))
        for e in es.prefix(n) { entry(e) }
    }
}

struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var at = 0

    var atEnd: Bool { at == bytes.count }

    mutating func take(_ n: Int) throws(WALDecodeError) -> UnsafeRawBufferPointer {
        guard n <= bytes.count - at else { throw WALDecodeError(.truncatedPayload) }
        defer { at += n }
        return UnsafeRawBufferPointer(rebasing: bytes[at..<at + n])
    }

    mutating func u8() throws(WALDecodeError) -> UInt8 { try take(1)[0] }

    mutating func uint(_ n: Int) throws(WALDecodeError) -> UInt64 {
        let b = try take(n)
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(b[i]) << (8 * UInt64(i)) }
        return v
    }

    mutating func u16() throws(WALDecodeError) -> UInt16 { UInt16(try uint(2)) }
    mutating func u32() throws(WALDecodeError) -> UInt32 { UInt32(try uint(4)) }
    mutating func u64() throws(WALDecodeError) -> UInt64 { try uint(8) }

    mutating func str() throws(WALDecodeError) -> String {
        let n = Int(try u16())
        let b = try take(n)
        guard let s = String(validating: b.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw WALDecodeError(.badString)
        }
        return s
    }

    mutating func entry() throws(WALDecodeError) -> WALEntry {
        WALEntry(budgetID: try str(), windowID: Int64(bitPattern: try u64()), amount: Int64(bitPattern: try u64()))
    }

    mutating func entries16() throws(WALDecodeError) -> [WALEntry] {
        let n = Int(try u16())
        var es: [WALEntry] = []
        es.reserveCapacity(n)
        for _ in 0..<n { es.append(try entry()) }
        return es
    }
}

import Testing
@testable import TollgateBudget
import TollgateTestSupport

struct WALCodecTests {
    static let sample: [WALRecord] = [
        .reserve(id: 1, entries: [WALEntry(budgetID: "team/day", windowID: 20_526, amount: 4_096),
                                  WALEntry(budgetID: "ключ", windowID: 0, amount: 1)]),
        .settle(id: 1, entries: [WALEntry(budgetID: "team/day", windowID: 20_526, amount: 1_234)]),
        .release(id: 2),
        .adjust(entries: [WALEntry(budgetID: "b", windowID: -3, amount: -50)]),
        .reset(budgetID: "b", windowID: 7),
        .snapshot(WALSnapshot(totals: [WALEntry(budgetID: "a", windowID: 1, amount: 2)],
                              open: [WALOpenReservation(id: 9, entries: [WALEntry(budgetID: "a", windowID: 1, amount: 3)])],
                              nextReservationID: 10)),
    ]

    static var bytes: [UInt8] { sample.reduce(into: []) { $1.encode(into: &$0) } }

    /// CRC32C matches the standard check value.
    @Test func crcCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        let long = (0..<1_000).map { UInt8($0 & 0xFF) }
        var bytewise: UInt32 = 0xFFFF_FFFF
        for b in long {
            bytewise ^= UInt32(b)
            for _ in 0..<8 { bytewise = bytewise & 1 != 0 ? (bytewise >> 1) ^ 0x82F6_3B78 : bytewise >> 1 }
        }
        #expect(CRC32C.checksum(long) == ~bytewise)
    }

    /// Every record kind survives encode and replay unchanged.
    @Test func roundTrip() {
        let (records, report) = WALReplayer.replay(Self.bytes)
        #expect(records == Self.sample)
        #expect(report == .init(records: Self.sample.count, validBytes: Self.bytes.count, truncatedBytes: 0, stop: .clean))
    }

    /// Fed in arbitrary pieces, the replayer yields the same records.
    @Test func incrementalFeed() {
        var r = WALReplayer()
        var out: [WALRecord] = []
        var rng = SplitMix64(seed: 7)
        var rest = Self.bytes[...]
        while !rest.isEmpty {
            let n = Int.random(in: 1...13, using: &rng)
            out += r.feed(rest.prefix(n))
            rest = rest.dropFirst(n)
        }
        #expect(out == Self.sample)
        #expect(r.finish().stop == .clean)
    }

    /// A record cut anywhere is a torn tail: earlier records survive, the rest is reported.
    @Test func tornTailAtEveryCut() {
        let bytes = Self.bytes
        let ends = Self.sample.reduce(into: [0]) { $0.append($0.last! + $1.encoded.count) }
        for cut in 0..<bytes.count {
            let (records, report) = WALReplayer.replay(bytes[..<cut])
            let whole = ends.lastIndex { $0 <= cut }!
            #expect(records == Array(Self.sample[..<whole]))
            #expect(report.validBytes == ends[whole])
            #expect(report.truncatedBytes == cut - ends[whole])
            #expect(report.stop == (cut == ends[whole] ? .clean : .tornTail))
        }
    }

    /// Flipping any bit stops replay at the damaged record and never crashes.
    @Test func bitFlipStopsAtDamage() {
        let bytes = Self.bytes
        let ends = Self.sample.reduce(into: [0]) { $0.append($0.last! + $1.encoded.count) }
        for i in 0..<bytes.count {
            var damaged = bytes
            damaged[i] ^= 0x10
            let (records, report) = WALReplayer.replay(damaged)
            let hit = ends.lastIndex { $0 <= i }!
            #expect(records == Array(Self.sample[..<hit]), "flip at \(i)")
            #expect(report.stop != .clean)
            #expect(report.validBytes + report.truncatedBytes == bytes.count)
        }
    }

    /// Random garbage never crashes the replayer and never yields a record by accident.
    @Test func garbage() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2_000 {
            let junk = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let (records, report) = WALReplayer.replay(junk)
            #expect(records.isEmpty)
            #expect(report.validBytes + report.truncatedBytes == junk.count)
        }
    }

    /// Segment headers carry the magic and the segment number.
    @Test func segmentHeader() {
        let h = WALSegmentHeader(segment: 123_456)
        #expect(h.encoded.count == WALSegmentHeader.size)
        #expect(WALSegmentHeader.decode(h.encoded) == h)
        #expect(WALSegmentHeader.decode(Array(h.encoded.prefix(10))) == nil)
        #expect(WALSegmentHeader.decode([UInt8](repeating: 0, count: 16)) == nil)
    }
}

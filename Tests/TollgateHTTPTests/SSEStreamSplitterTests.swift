import Testing
@testable import TollgateHTTP

struct SSEEventSkipperTests {
    /// The end of an event is found after its blank line, with LF, CRLF or CR line ends.
    @Test func findsTheBlankLine() {
        for (input, end) in [("data: x\n\nnext", 9), ("data: x\r\n\r\nnext", 11), ("data: x\r\rnext", 9), ("a\nb\n\n", 5), ("\n", 1)] {
            var s = SSEEventSkipper()
            #expect(withBytes(bytes(input)) { s.scan($0) } == end, "\(input.debugDescription)")
        }
        var s = SSEEventSkipper()
        #expect(withBytes(bytes("data: a\nstill the same event\n")) { s.scan($0) } == nil)
    }

    /// A line end split across inputs (CR | LF, and a blank-line CR at the very end) is one line end.
    @Test func lineEndsSplitAcrossInputs() {
        var s = SSEEventSkipper()
        #expect(withBytes(bytes("data: a\r")) { s.scan($0) } == nil)
        #expect(s.afterCR)
        #expect(withBytes(bytes("\n\r")) { s.scan($0) } == 2)
        #expect(s.afterCR, "the blank line's CR ended the input: an LF next belongs to it")
        var t = SSEEventSkipper()
        #expect(withBytes(bytes("data: a\r")) { t.scan($0) } == nil)
        #expect(withBytes(bytes("\r\n")) { t.scan($0) } == 2)
        #expect(!t.afterCR)
    }
}

struct SSEStreamSplitterTests {
    /// An event over the limit passes through byte for byte and the events after it are split as usual.
    @Test func oversizedEventPassesThrough() {
        var sp = SSEStreamSplitter(maxEventBytes: 16)
        var events: [String] = []
        var out: [UInt8] = []
        let input = bytes("data: small\n\ndata: " + String(repeating: "z", count: 40) + "\n\ndata: after\n\n")
        withBytes(input) { b in
            sp.feed(b, onEvent: { events.append($0.data); out += $0.raw }, passThrough: { out += Array($0) })
        }
        #expect(events == ["small", "after"])
        #expect(out == input)
        #expect(sp.oversizedEvents == 1)
        #expect(sp.finish() == nil)
    }

    /// Random streams (events far below or far over the limit, LF/CRLF/CR line ends, comments,
    /// a BOM, split at random points): every byte comes out once and in order, and the events
    /// under the limit are exactly those a parser without a limit finds.
    @Test func matchesAnUnlimitedParserOnRandomStreams() {
        var state: UInt64 = 7
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) % n }
        let limit = 64
        for round in 0..<3_000 {
            let eol: [UInt8] = [[0x0A], [0x0D, 0x0A], [0x0D]][next(3)]
            var input: [UInt8] = next(5) == 0 ? [0xEF, 0xBB, 0xBF] : []
            for _ in 0..<(1 + next(8)) {
                for _ in 0..<(1 + next(3)) {
                    let big = next(4) == 0
                    let size = big ? limit * 2 + next(limit * 2) : next(limit / 8)
                    let line: [UInt8] = next(6) == 0 ? bytes(": ping") : bytes(next(5) == 0 ? "event: e" : "data: ") + Array(repeating: 0x61 &+ UInt8(next(26)), count: size)
                    input += line + eol
                }
                input += eol
            }
            var reference = SSEParser(maxEventBytes: 1 << 30)
            var expected: [SSEEvent] = []
            withBytes(input) { b in try? reference.feed(b) { if $0.raw.count <= limit { expected.append($0) } } }

            var sp = SSEStreamSplitter(maxEventBytes: limit)
            var got: [SSEEvent] = []
            var out: [UInt8] = []
            var i = 0
            while i < input.count {
                let n = min(input.count - i, 1 + next(next(2) == 0 ? 8 : 200))
                withBytes(Array(input[i..<(i + n)])) { b in
                    sp.feed(b, onEvent: { got.append($0); out += $0.raw }, passThrough: { out += Array($0) })
                }
                i += n
            }
            if let tail = sp.finish() { out += tail.raw }
            #expect(out == input, "round \(round): bytes lost or reordered")
            #expect(got.map(\.data) == expected.map(\.data), "round \(round)")
            #expect(got.map(\.type) == expected.map(\.type), "round \(round)")
            #expect(got.map(\.isCommentOnly) == expected.map(\.isCommentOnly), "round \(round)")
        }
    }
}

import Testing
@testable import TollgateHTTP
import TollgateTestSupport

/// Feeds `chunks` to a fresh parser, returning the events and the finish() remainder.
func sse(_ chunks: [[UInt8]], max: Int = 1 << 20) throws(SSEParseError) -> (events: [SSEEvent], rest: SSEEvent?) {
    var p = SSEParser(maxEventBytes: max)
    var events: [SSEEvent] = []
    for c in chunks {
        try withBytes(c) { (b) throws(SSEParseError) in try p.feed(b) { events.append($0) } }
    }
    return (events, p.finish())
}

func sse(_ s: String) -> [SSEEvent] { (try? sse([bytes(s)]).events) ?? [] }

struct SSEParserTests {
    /// A typical OpenAI-style stream splits into its events with data and raw bytes.
    @Test func basicStream() {
        let s = "data: {\"a\":1}\n\ndata: [DONE]\n\n"
        let events = sse(s)
        #expect(events.map(\.data) == ["{\"a\":1}", "[DONE]"])
        #expect(events.map(\.raw) == [bytes("data: {\"a\":1}\n\n"), bytes("data: [DONE]\n\n")])
        #expect(events.allSatisfy { $0.hasData && !$0.isCommentOnly && $0.type == "message" })
    }

    /// Anthropic-style events carry event, id and retry fields.
    @Test func fields() {
        let e = sse("event: message_start\nid: 7\nretry: 1500\ndata: {}\n\n")
        #expect(e.count == 1)
        #expect(e.first?.event == "message_start" && e.first?.type == "message_start")
        #expect(e.first?.id == "7" && e.first?.retry == 1500 && e.first?.data == "{}")
        let bad = sse("retry: 15x\nid: a\0b\nretry: 99999999999999999999999\n\n")
        #expect(bad.first?.retry == nil && bad.first?.id == nil && bad.first?.hasData == false)
    }

    /// Multi-line data joins with LF; only one leading space is stripped; no colon means empty value.
    @Test func multiLineData() {
        let e = sse("data:a\ndata:  b\ndata\ndata: c \n\n")
        #expect(e.first?.data == "a\n b\n\nc ")
        #expect(sse("data\n\n").first?.hasData == true)
        #expect(sse("data\n\n").first?.data == "")
        #expect(sse("event: x\n\n").first?.hasData == false)
    }

    /// LF, CRLF and CR line ends all work, also mixed.
    @Test func lineEndings() {
        for s in ["data: x\n\ndata: y\n\n", "data: x\r\n\r\ndata: y\r\n\r\n", "data: x\r\rdata: y\r\r", "data: x\r\n\ndata: y\r\r\n"] {
            let e = sse(s)
            #expect(e.map(\.data) == ["x", "y"], "\(s.debugDescription)")
            #expect(e.flatMap(\.raw) == bytes(s))
        }
    }

    /// Splitting the stream at every byte gives the same events, and raw bytes concatenate back to the input.
    @Test func everySplit() throws {
        let s = "\u{FEFF}: keep-alive\r\n\r\nevent: delta\r\ndata: h\u{E9}llo\r\ndata: w\r\n\r\nid: 1\rdata: z\r\r\ndata: last\n\n"
        let b = bytes(s)
        let reference = try sse([b]).events
        #expect(reference.map(\.data) == ["", "h\u{E9}llo\nw", "z", "last"])
        for cut in 0...b.count {
            let r = try sse([Array(b[..<cut]), Array(b[cut...])])
            #expect(r.events.map(\.data) == reference.map(\.data), "cut at \(cut)")
            #expect(r.events.flatMap(\.raw) + (r.rest?.raw ?? []) == b, "cut at \(cut)")
        }
        let bytewise = try sse(b.map { [$0] })
        #expect(bytewise.events.map(\.data) == reference.map(\.data))
        #expect(bytewise.events.flatMap(\.raw) == b)
    }

    /// LF-only streams (the memchr path: no CR in the chunk) split anywhere give the events of a byte-by-byte feed.
    @Test func lfOnlyEverySplit() throws {
        let s = "data: {\"a\":1}\n\n: ping\n\nevent: e\ndata: x\ndata: y\n\ndata: [DONE]\n\ndata: tail"
        let b = bytes(s)
        let bytewise = try sse(b.map { [$0] })
        #expect(bytewise.events.map(\.data) == ["{\"a\":1}", "", "x\ny", "[DONE]"])
        #expect(bytewise.rest?.raw == bytes("data: tail"))
        for cut in 0...b.count {
            let r = try sse([Array(b[..<cut]), Array(b[cut...])])
            #expect(r.events.map(\.data) == bytewise.events.map(\.data), "cut at \(cut)")
            #expect(r.events.map(\.raw) == bytewise.events.map(\.raw), "cut at \(cut)")
            #expect(r.rest?.raw == bytewise.rest?.raw, "cut at \(cut)")
        }
    }

    /// A CR at the end of one feed and its LF at the start of the next is one line end, not two.
    @Test func crlfAcrossFeeds() throws {
        let r = try sse([bytes("data: a\r"), bytes("\ndata: b\r\n\r"), bytes("\ndata: c\r\n\r\n")])
        #expect(r.events.map(\.data) == ["a\nb", "c"])
        #expect(r.events[0].raw == bytes("data: a\r\ndata: b\r\n\r"))
        #expect(r.events[1].raw == bytes("\ndata: c\r\n\r\n"))
        #expect(r.rest == nil)
    }

    /// The UTF-8 BOM is skipped at stream start only, also when split, and kept in raw.
    @Test func byteOrderMark() throws {
        let b = bytes("\u{FEFF}data: x\n\n")
        for cut in 0...4 {
            let r = try sse([Array(b[..<cut]), Array(b[cut...])])
            #expect(r.events.first?.data == "x" && r.events.first?.hasData == true)
            #expect(r.events.first?.raw == b)
        }
        // A BOM later in the stream is part of the field name, so the line is ignored.
        let e = sse("data: a\n\n\u{FEFF}data: b\n\n")
        #expect(e.map(\.hasData) == [true, false])
    }

    /// Comment-only blocks are flagged as keep-alives; fields clear the flag.
    @Test func comments() {
        let e = sse(": ping\n\n:\n: x\ndata: y\n\n\n")
        #expect(e.count == 3)
        #expect(e[0].isCommentOnly && !e[0].hasData)
        #expect(!e[1].isCommentOnly && e[1].data == "y")
        #expect(!e[2].isCommentOnly && e[2].raw == [0x0A])  // a lone extra blank line
    }

    /// finish() returns the unterminated tail with its raw bytes, parsed from complete lines.
    @Test func finishPartial() throws {
        var p = SSEParser()
        var events: [SSEEvent] = []
        try withBytes(bytes("data: 1\n\nevent: e\ndata: par")) { (b) throws(SSEParseError) in try p.feed(b) { events.append($0) } }
        #expect(events.count == 1)
        #expect(p.bufferedByteCount == "event: e\ndata: par".utf8.count)
        let rest = p.finish()
        #expect(rest?.raw == bytes("event: e\ndata: par"))
        #expect(rest?.event == "e" && rest?.hasData == false)
        #expect(p.finish() == nil)
        #expect(p.bufferedByteCount == 0)
    }

    /// An event over maxEventBytes throws, even before its line ends, and stays failed.
    @Test func maxSize() throws {
        #expect(throws: SSEParseError.self) { _ = try sse([bytes("data: " + String(repeating: "x", count: 100))], max: 50) }
        #expect(throws: SSEParseError.self) { _ = try sse([bytes("data: 1\ndata: 2\ndata: 3\n"), bytes("data: 4\n")], max: 20) }
        // Exactly at the limit (terminator included) is fine.
        let ok = try sse([bytes("data: 12345\n\n")], max: 13)
        #expect(ok.events.count == 1)
        var p = SSEParser(maxEventBytes: 4)
        let big = bytes("data: toolong")
        #expect(throws: SSEParseError.self) { try withBytes(big) { (b) throws(SSEParseError) in try p.feed(b) { _ in } } }
        #expect(throws: SSEParseError.self) { try withBytes(bytes("\n")) { (b) throws(SSEParseError) in try p.feed(b) { _ in } } }
    }

    /// Seeded random streams: raw bytes always concatenate back to the input at random splits.
    @Test func randomStreams() throws {
        var rng = SplitMix64(seed: 7)
        let pieces = ["data: ", "event: ", "id: ", "retry: 5", ":", "x", "\u{E9}", "\r", "\n", "\r\n", " "]
        for _ in 0..<200 {
            let s = (0..<Int.random(in: 0...60, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let b = bytes(s)
            var chunks: [[UInt8]] = []
            var i = 0
            while i < b.count {
                let n = Int.random(in: 1...7, using: &rng)
                chunks.append(Array(b[i..<min(b.count, i + n)])); i += n
            }
            let whole = try sse([b])
            let split = try sse(chunks)
            #expect(split.events.map(\.data) == whole.events.map(\.data))
            #expect(split.events.flatMap(\.raw) + (split.rest?.raw ?? []) == b)
        }
    }
}

/// Inputs the fuzzer found, kept as regression tests.
struct SSEParserFuzzRegressionTests {
    /// A CRLF blank line split after its CR leaves only the LF for finish(), as a fieldless remainder.
    @Test func splitFinalCRLF() throws {
        let b: [UInt8] = [0xEF, 0x0D, 0x0A, 0x0D, 0x0A]
        let whole = try sse([b])
        #expect(whole.events.count == 1 && whole.rest == nil)
        let split = try sse([Array(b[..<4]), [0x0A]])
        #expect(split.events.count == 1)
        #expect(split.events[0].raw == Array(b[..<4]))
        #expect(split.rest?.raw == [0x0A] && split.rest?.hasData == false && split.rest?.isCommentOnly == false)
        #expect(split.events.flatMap(\.raw) + (split.rest?.raw ?? []) == b)
    }
}

struct SSEEventTests {
    /// The dispatch type defaults to "message" when the event field is absent or empty.
    @Test func type() {
        #expect(SSEEvent(raw: []).type == "message")
        #expect(SSEEvent(raw: [], event: "").type == "message")
        #expect(SSEEvent(raw: [], event: "ping").type == "ping")
    }

    /// Errors describe themselves with their code.
    @Test func errorDescription() {
        #expect(SSEParseError(.eventTooLarge, "event is larger than 5 bytes").description.contains("eventTooLarge"))
    }
}

struct SSEEventDataTests {
    /// Random streams over a small alphabet (data/event lines, CR/LF/CRLF, comments, BOM) give
    /// the same `data` whether it is kept as a range of `raw` or joined, as a reference decoder
    /// of each event's own complete lines says.
    @Test func dataMatchesReferenceOnRandomStreams() {
        var state: UInt64 = 1
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        let alphabet: [[UInt8]] = [Array("data: ".utf8), Array("data:".utf8), Array("x".utf8), Array("{}".utf8), [0x0A], [0x0D],
                                   Array("\r\n".utf8), Array(": c".utf8), Array("event: e".utf8), [0xEF, 0xBB, 0xBF], [0xC3, 0xA9]]
        for _ in 0..<20_000 {
            let b = (0..<(next() % 12)).flatMap { _ in alphabet[next() % alphabet.count] }
            var p = SSEParser()
            var events: [SSEEvent] = []
            b.withUnsafeBytes { try? p.feed($0) { events.append($0) } }
            for (i, e) in events.enumerated() {
                #expect(e.data == Self.referenceData(e.raw, streamStart: i == 0), "input \(b)")
                if let r = e.dataRangeInRaw { #expect(r.upperBound <= e.raw.count) }
            }
        }
    }

    /// The data of one complete event from its raw bytes: every "data" line's value joined
    /// with LF (a BOM is skipped only where the stream starts).
    static func referenceData(_ raw: [UInt8], streamStart: Bool) -> String {
        var text = raw
        if streamStart && text.starts(with: [0xEF, 0xBB, 0xBF]) { text.removeFirst(3) }
        var lines: [[UInt8]] = []
        var cur: [UInt8] = []
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == 0x0D || c == 0x0A {
                lines.append(cur)
                cur = []
                if c == 0x0D, i + 1 < text.count, text[i + 1] == 0x0A { i += 1 }
            } else {
                cur.append(c)
            }
            i += 1
        }
        var values: [[UInt8]] = []
        for l in lines {
            let name = l.prefix { $0 != 0x3A }
            guard Array(name) == Array("data".utf8) else { continue }
            var v = Array(l.dropFirst(name.count + 1))
            if v.first == 0x20 { v.removeFirst() }
            values.append(v)
        }
        return String(decoding: Array(values.joined(separator: [0x0A])), as: UTF8.self)
    }
}

import Testing
import TollgateHTTP

/// Where a parsed event's single data line sits in its raw bytes (what a proxy splices).
struct SSEEventDataRangeTests {
    /// The data value at the parsed event's range, nil when the event has no data or several lines.
    private func locate(_ s: String) -> String? {
        var p = SSEParser()
        var events: [SSEEvent] = []
        Array(s.utf8).withUnsafeBytes { try? p.feed($0) { events.append($0) } }
        if let rest = p.finish() { events.append(rest) }
        guard let e = events.first, e.hasData, let r = e.dataRangeInRaw else { return nil }
        return String(decoding: e.raw[r], as: UTF8.self)
    }

    /// LF, CRLF and CR line ends, other fields around it, no space after the colon, a bare "data", a BOM.
    @Test func singleLine() {
        #expect(locate("data: {\"a\":1}\n\n") == "{\"a\":1}")
        #expect(locate("event: e\nid: 3\ndata: x\n\n") == "x")
        #expect(locate("data: x\r\n\r\n") == "x")
        #expect(locate("id: 1\rdata:x\r\r") == "x")
        #expect(locate(": c\ndata\n\n") == "")
        #expect(locate("\u{FEFF}data: b\n\n") == "b")
        #expect(locate("data: last\n") == "last")
    }

    /// Zero or several data lines, lines that only start like one, and an unfinished line give nil.
    @Test func noneOrSeveral() {
        #expect(locate("event: e\n\n") == nil)
        #expect(locate("data: a\ndata: b\n\n") == nil)
        #expect(locate("data: a\r\ndata: b\r\n\r\n") == nil)
        #expect(locate("datum: a\n\n") == nil)
        #expect(locate("data: last") == nil)
        #expect(locate("") == nil)
    }

    /// Events the consumer keeps stay intact while the parser reuses its buffer for the next ones.
    @Test func keptEventsSurviveBufferReuse() {
        var p = SSEParser()
        var kept: [SSEEvent] = []
        for i in 0..<50 {
            Array("data: event \(i)\n\n".utf8).withUnsafeBytes { try? p.feed($0) { kept.append($0) } }
        }
        #expect(kept.count == 50)
        for (i, e) in kept.enumerated() {
            #expect(e.raw == Array("data: event \(i)\n\n".utf8))
            #expect(e.data == "event \(i)")
        }
    }
}

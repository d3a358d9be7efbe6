import Glibc

/// Splits a text/event-stream (WHATWG HTML 9.2.6) into events incrementally, keeping each
/// event's exact bytes so a proxy can inspect events and still forward them byte-identically.
public struct SSEParser: Sendable {
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let colon: UInt8 = 0x3A

    public let maxEventBytes: Int
    /// Bytes of the current event so far.
    var raw: [UInt8] = []
    /// Where the current unterminated line starts in `raw`.
    var lineStart = 0
    /// The last byte fed was a CR ending a line: an LF right after it belongs to that line end.
    var skipLF = false
    /// No line of the stream has ended yet, so a UTF-8 BOM may still have to be skipped.
    var atStreamStart = true
    var failure: SSEParseError?
    /// After `eventTooLarge`: where, in the input of the feed that failed, the bytes the parser
    /// did not take start. With `heldBytes`, what a caller passes on to lose nothing.
    public private(set) var failedAtInputOffset = 0

    // Fields of the current event.
    var eventType: String?
    /// The value of the event's first "data:" line, in `raw`.
    var firstData: Range<Int> = 0..<0
    /// Several "data:" lines: their values joined (else unused).
    var data: [UInt8] = []
    var dataLines = 0
    var hasData: Bool { dataLines > 0 }
    var id: String?
    var retry: Int?
    var sawComment = false
    var sawField = false

    public init(maxEventBytes: Int = 1 << 20) {
        self.maxEventBytes = max(1, maxEventBytes)
    }

    /// A parser for the rest of a stream whose beginning someone else read (no BOM is looked
    /// for); `afterCR`: that part ended in a CR, so an LF first belongs to its line end.
    public init(maxEventBytes: Int, continuingAfterCR afterCR: Bool) {
        self.init(maxEventBytes: maxEventBytes)
        atStreamStart = false
        skipLF = afterCR
    }

    /// Bytes held for the event in progress.
    public var bufferedByteCount: Int { raw.count }

    /// The bytes of the event in progress (after `eventTooLarge`: the part of it that fitted).
    public var heldBytes: [UInt8] { raw }

    /// Splits a text/event-stream incrementally; calls onEvent for every complete event (blank-line terminated), in order.
    /// Handles \n, \r\n and \r line ends (also split across feeds), a UTF-8 BOM at stream start, comments.
    /// After an error every later feed throws it again.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ onEvent: (SSEEvent) -> Void) throws(SSEParseError) {
        if let failure { throw failure }
        let n = bytes.count
        var segStart = 0
        var i = 0
        if skipLF && n > 0 {
            skipLF = false
            if bytes[0] == Self.lf {
                try append(UnsafeRawBufferPointer(rebasing: bytes[0..<1]), at: 0)
                lineStart = raw.count
                segStart = 1
                i = 1
            }
        }
        // Line ends are found with memchr when the chunk has no CR (what providers send):
        // this runs over every streamed byte.
        let hasCR = n > 0 && memchr(bytes.baseAddress!, Int32(Self.cr), n) != nil
        while i < n {
            if !hasCR {
                guard let hit = memchr(bytes.baseAddress! + i, Int32(Self.lf), n - i) else { break }
                i = bytes.baseAddress!.distance(to: UnsafeRawPointer(hit))
            }
            let b = bytes[i]
            guard b == Self.lf || b == Self.cr else { i += 1; continue }
            var termEnd = i + 1
            if b == Self.cr {
                if i + 1 < n {
                    if bytes[i + 1] == Self.lf { termEnd = i + 2 }
                } else {
                    skipLF = true
                }
            }
            let contentEnd = raw.count + (i - segStart)
            try append(UnsafeRawBufferPointer(rebasing: bytes[segStart..<termEnd]), at: segStart)
            segStart = termEnd
            i = termEnd
            if processLine(lineStart..<contentEnd) {
                // The event shares `raw`'s buffer only while the consumer looks at it: reset
                // after the call, an event nobody kept leaves the buffer for the next one.
                onEvent(makeEvent())
                resetEvent()
            } else {
                lineStart = raw.count
            }
        }
        try append(UnsafeRawBufferPointer(rebasing: bytes[segStart..<n]), at: segStart)
    }

    /// End of stream: returns the partial trailing event (raw bytes kept so nothing is lost), if
    /// any. Its fields come from its complete lines only. The parser is then ready for a new stream.
    /// (If the stream ended in a CRLF whose LF came in a feed of its own, that LF is returned here
    /// as an event with `raw == [0x0A]` and no fields: forward it, there is nothing to interpret.)
    public mutating func finish() -> SSEEvent? {
        defer { self = SSEParser(maxEventBytes: maxEventBytes) }
        guard !raw.isEmpty else { return nil }
        return makeEvent()
    }

    /// Appends `bytes`, which start at `offset` of the feed's input.
    private mutating func append(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SSEParseError) {
        guard !bytes.isEmpty else { return }
        if raw.count + bytes.count > maxEventBytes {
            let e = SSEParseError(.eventTooLarge, "event is larger than \(maxEventBytes) bytes")
            failure = e
            failedAtInputOffset = offset
            throw e
        }
        raw.append(contentsOf: bytes)
    }

    /// Interprets one complete line `raw[range]`; true when the line was blank (the event is
    /// complete).
    private mutating func processLine(_ range: Range<Int>) -> Bool {
        var start = range.lowerBound
        let end = range.upperBound
        if atStreamStart {
            atStreamStart = false
            if end - start >= 3 && raw[start] == 0xEF && raw[start + 1] == 0xBB && raw[start + 2] == 0xBF {
                start += 3
            }
        }
        if start == end { return true }
        if raw[start] == Self.colon {
            sawComment = true
            return false
        }
        sawField = true
        var colon = start
        while colon < end && raw[colon] != Self.colon { colon += 1 }
        var valueStart = min(colon + 1, end)
        if valueStart < end && raw[valueStart] == 0x20 { valueStart += 1 }
        let value = raw[valueStart..<end]
        if nameIs(start, colon, "data") {
            // One line (the usual case) stays a range of `raw`; a second one starts the copy.
            if dataLines == 0 {
                firstData = valueStart..<end
            } else {
                if dataLines == 1 { data.append(contentsOf: raw[firstData]) }
                data.append(Self.lf)
                data.append(contentsOf: value)
            }
            dataLines += 1
        } else if nameIs(start, colon, "event") {
            eventType = String(decoding: value, as: UTF8.self)
        } else if nameIs(start, colon, "id") {
            if !value.contains(0) { id = String(decoding: value, as: UTF8.self) }
        } else if nameIs(start, colon, "retry") {
            if !value.isEmpty && value.allSatisfy({ $0 &- 0x30 < 10 }) {
                var r = 0
                var overflow = false
                for d in value {
                    let (m, o1) = r.multipliedReportingOverflow(by: 10)
                    let (s, o2) = m.addingReportingOverflow(Int(d &- 0x30))
                    if o1 || o2 { overflow = true; break }
                    r = s
                }
                if !overflow { retry = r }
            }
        }
        return false
    }

    /// Whether the field name `raw[start..<end]` is `name` (a byte compare: `elementsEqual`
    /// on the slice ran generic, ~300 instructions a line).
    @inline(__always)
    private func nameIs(_ start: Int, _ end: Int, _ name: StaticString) -> Bool {
        let n = name.utf8CodeUnitCount
        guard end - start == n else { return false }
        let p = name.utf8Start
        for i in 0..<n where raw[start + i] != p[i] { return false }
        return true
    }

    /// Event buffer capacity kept between events.
    static let keptCapacity = 64 << 10

    private func makeEvent() -> SSEEvent {
        SSEEvent(
            raw: raw, event: eventType, dataStorage: dataLines > 1 ? .joined(data) : .inRaw(dataLines == 1 ? firstData : 0..<0),
            hasData: hasData, id: id, retry: retry, isCommentOnly: sawComment && !sawField)
    }

    private mutating func resetEvent() {
        // Kept for the next event (no allocation per event), unless a huge event grew it.
        raw.removeAll(keepingCapacity: raw.capacity <= Self.keptCapacity)
        lineStart = 0
        eventType = nil
        data.removeAll(keepingCapacity: true)
        dataLines = 0
        id = nil
        retry = nil
        sawComment = false
        sawField = false
    }
}

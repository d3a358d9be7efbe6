/// The state machine both HTTP/1 parsers share: head accumulation, then body framing
/// (Content-Length, chunked with trailers, until close). Request and response differ only in how
/// a complete head is parsed, which the wrapper supplies.
struct HTTP1MessageDecoder: Sendable {
    enum State: Sendable, Equatable {
        case head
        /// Emit `.end` on the next call (bodiless message, or after trailers).
        case endPending
        case contentLength(remaining: Int64)
        case chunkLine
        case chunkData(remaining: Int64)
        case chunkDataCR
        case chunkDataLF
        case trailers
        case untilClose
        case failed(HTTP1ParseError)
    }

    /// What the wrapper decided after parsing a head.
    enum HeadOutcome {
        /// Report `event`; then read a body with `framing` (or emit `.end` for `.none`).
        case message(HTTP1ParserEvent, HTTP1BodyFraming)
        /// Report `event` (a 1xx head) and go on reading another head.
        case interim(HTTP1ParserEvent)
    }

    let limits: HTTP1Limits
    var state: State = .head
    /// Partial head, chunk-size line or trailer bytes carried across calls; never body bytes.
    var buffer: [UInt8] = []
    var scanner = HTTP1SectionScanner()
    /// Chunked body bytes announced so far (for maxBodyBytes).
    var chunkedTotal: Int64 = 0
    /// Messages finished so far: a wrapper tells that a call returned `.end` by this changing,
    /// without inspecting (and copying) the event it returns.
    var messagesEnded = 0

    init(limits: HTTP1Limits) { self.limits = limits }

    var isIdle: Bool { state == .head && buffer.isEmpty && scanner.isAtStart }

    mutating func fail(_ e: HTTP1ParseError) -> HTTP1ParseError {
        state = .failed(e)
        buffer = []
        return e
    }

    mutating func finishMessage() {
        messagesEnded &+= 1
        state = .head
        buffer.removeAll(keepingCapacity: true)
        scanner.reset()
        chunkedTotal = 0
    }

    /// One step; `headRules` delimit a head, `parseHead` turns `bytes[start..<end]` into an
    /// outcome, failing (with any error) past the field limit it is given.
    mutating func next(
        _ input: UnsafeRawBufferPointer,
        headRules: HTTP1SectionScanner.Rules,
        parseHead: (UnsafeRawBufferPointer, Int, Int, Int) throws(HTTP1ParseError) -> HeadOutcome
    ) throws(HTTP1ParseError) -> (consumed: Int, event: HTTP1ParserEvent?) {
        if case .failed(let e) = state { throw e }
        do throws(HTTP1ParseError) {
            return try step(input, headRules: headRules, parseHead: parseHead)
        } catch {
            throw fail(error)
        }
    }

    private mutating func step(
        _ input: UnsafeRawBufferPointer,
        headRules: HTTP1SectionScanner.Rules,
        parseHead: (UnsafeRawBufferPointer, Int, Int, Int) throws(HTTP1ParseError) -> HeadOutcome
    ) throws(HTTP1ParseError) -> (consumed: Int, event: HTTP1ParserEvent?) {
        var pos = 0
        let count = input.count
        while true {
            switch state {
            case .failed(let e):
                throw e

            case .head:
                guard case let (used, outcome)? = try readSection(input, from: pos, rules: headRules, parse: parseHead) else {
                    return (count, nil)
                }
                pos += used
                switch outcome {
                case .interim(let event):
                    return (pos, event)
                case .message(let event, let framing):
                    switch framing {
                    case .none: state = .endPending
                    case .contentLength(let n): state = .contentLength(remaining: n)
                    case .chunked: state = .chunkLine
                    case .untilClose: state = .untilClose
                    }
                    return (pos, event)
                }

            case .endPending:
                finishMessage()
                return (pos, .end)

            case .contentLength(let remaining):
                if remaining == 0 {
                    finishMessage()
                    return (pos, .end)
                }
                let avail = count - pos
                if avail == 0 { return (pos, nil) }
                let n = Int(min(Int64(avail), remaining))
                state = .contentLength(remaining: remaining - Int64(n))
                return (pos + n, .body(pos..<(pos + n)))

            case .chunkLine:
                guard let used = try readChunkLine(input, from: pos) else { return (count, nil) }
                pos += used

            case .chunkData(let remaining):
                let avail = count - pos
                if avail == 0 { return (pos, nil) }
                let n = Int(min(Int64(avail), remaining))
                state = remaining == Int64(n) ? .chunkDataCR : .chunkData(remaining: remaining - Int64(n))
                return (pos + n, .body(pos..<(pos + n)))

            case .chunkDataCR:
                if pos == count { return (pos, nil) }
                guard input[pos] == HTTP1Bytes.cr else {
                    throw HTTP1ParseError(.badChunk, "chunk data is not followed by CRLF")
                }
                pos += 1
                state = .chunkDataLF

            case .chunkDataLF:
                if pos == count { return (pos, nil) }
                guard input[pos] == HTTP1Bytes.lf else {
                    throw HTTP1ParseError(.badChunk, "chunk data is not followed by CRLF")
                }
                pos += 1
                state = .chunkLine

            case .trailers:
                let rules = HTTP1SectionScanner.Rules(
                    skipLeadingEmptyLines: false, firstLineLimit: nil, firstLineError: .headerTooLarge,
                    maxBytes: limits.maxHeaderBytes, maxLines: limits.maxHeaderCount, what: "trailer section")
                let parsed = try readSection(input, from: pos, rules: rules) { (b, s, e, fieldLimit) throws(HTTP1ParseError) -> HeadOutcome in
                    var facts = HTTP1FramingFacts()
                    let h = try HTTP1HeadParser.parseFields(b, from: s, end: e, facts: &facts, isRequest: false, fieldLimit: fieldLimit)
                    return .message(.trailers(h), .none)
                }
                guard case let (used, outcome)? = parsed else { return (count, nil) }
                pos += used
                if case .message(.trailers(let h), _) = outcome, h.count > 0 {
                    state = .endPending
                    return (pos, .trailers(h))
                }
                finishMessage()
                return (pos, .end)

            case .untilClose:
                if pos == count { return (pos, nil) }
                return (count, .body(pos..<count))
            }
        }
    }

    /// Reads a head or trailer section starting at `input[from...]`, parsing it directly from
    /// `input` when it arrives whole and from `buffer` when it came in pieces. Returns the bytes of
    /// `input` used and the outcome, or nil after taking every byte into `buffer`.
    private mutating func readSection(
        _ input: UnsafeRawBufferPointer, from: Int, rules: HTTP1SectionScanner.Rules,
        parse: (UnsafeRawBufferPointer, Int, Int, Int) throws(HTTP1ParseError) -> HeadOutcome
    ) throws(HTTP1ParseError) -> (Int, HeadOutcome)? {
        let region = UnsafeRawBufferPointer(rebasing: input[from...])
        if buffer.isEmpty {
            // Fastest path: the whole section is here; parse it in one pass, and redo a failed
            // parse after `scan` so errors come in the same order as on the general path.
            if let e = HTTP1SectionScanner.wholeSectionEnd(region, rules) {
                do throws(HTTP1ParseError) {
                    return (e, try parse(region, 0, e, HTTP1SectionScanner.fieldLimit(rules)))
                } catch {}
            }
            // Fast path: nothing held, scan and parse straight from the caller's bytes.
            switch try scanner.scan(region, rules) {
            case .complete(let s, let e):
                return (e, try parse(region, s, e, .max))
            case .incomplete:
                buffer.append(contentsOf: region)
                return nil
            }
        }
        // Slow path: append at most what could still fit, then rescan from where we stopped.
        let old = buffer.count
        let room = max(1, rules.maxBytes + 1 - old)
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: region.prefix(room)))
        var sc = scanner
        let result: Result<(Int, HeadOutcome)?, HTTP1ParseError> = buffer.withUnsafeBytes { b in
            do throws(HTTP1ParseError) {
                switch try sc.scan(b, rules) {
                case .complete(let s, let e): return .success((e - old, try parse(b, s, e, .max)))
                case .incomplete: return .success(nil)
                }
            } catch {
                return .failure(error)
            }
        }
        scanner = sc
        let r = try result.get()
        if r != nil { buffer.removeAll(keepingCapacity: true) }
        return r
    }

    /// Reads one chunk-size line at `input[from...]` and moves to chunk data or trailers.
    /// Returns the bytes of `input` used, or nil after taking every byte into `buffer`.
    private mutating func readChunkLine(_ input: UnsafeRawBufferPointer, from: Int) throws(HTTP1ParseError) -> Int? {
        let region = UnsafeRawBufferPointer(rebasing: input[from...])
        let maxLine = limits.maxChunkLineBytes
        // The LF must come by index max+1: "size[;ext]" of at most max bytes, then CRLF.
        let window = maxLine + 2
        if buffer.isEmpty {
            guard let lf = HTTP1Bytes.findLF(region, from: 0, to: min(region.count, window)) else {
                if region.count >= window { throw Self.chunkLineTooLong(maxLine) }
                buffer.append(contentsOf: region)
                return nil
            }
            try startChunk(try Self.parseChunkLine(region, lf: lf))
            return lf + 1
        }
        let old = buffer.count
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: region.prefix(max(1, window - old))))
        let result: Result<(Int64, Int)?, HTTP1ParseError> = buffer.withUnsafeBytes { b in
            guard let lf = HTTP1Bytes.findLF(b, from: old, to: min(b.count, window)) else {
                return b.count >= window ? .failure(Self.chunkLineTooLong(maxLine)) : .success(nil)
            }
            do throws(HTTP1ParseError) {
                return .success((try Self.parseChunkLine(b, lf: lf), lf + 1 - old))
            } catch {
                return .failure(error)
            }
        }
        guard case let (size, used)? = try result.get() else { return nil }
        buffer.removeAll(keepingCapacity: true)
        try startChunk(size)
        return used
    }

    private mutating func startChunk(_ size: Int64) throws(HTTP1ParseError) {
        if size == 0 {
            scanner.reset()
            state = .trailers
            return
        }
        let (total, overflow) = chunkedTotal.addingReportingOverflow(size)
        if overflow || total > limits.maxBodyBytes {
            throw HTTP1ParseError(.bodyTooLarge, "chunked body exceeds the limit of \(limits.maxBodyBytes) bytes")
        }
        chunkedTotal = total
        state = .chunkData(remaining: size)
    }

    /// chunk-size [ chunk-ext ] CRLF, the LF at `lf`. Extensions are checked for stray bytes, not kept.
    static func parseChunkLine(_ b: UnsafeRawBufferPointer, lf: Int) throws(HTTP1ParseError) -> Int64 {
        guard lf >= 1, b[lf - 1] == HTTP1Bytes.cr else {
            throw HTTP1ParseError(.bareLF, "chunk size line ends in a bare LF (CRLF required)")
        }
        let end = lf - 1
        var i = 0
        var size: Int64 = 0
        while i < end, let h = HTTP1Bytes.hexValue(b[i]) {
            guard size <= (Int64.max >> 4) else { throw HTTP1ParseError(.badChunk, "chunk size overflows") }
            size = size << 4 | Int64(h)
            i += 1
        }
        guard i > 0 else {
            if end > 0 && b[0] == HTTP1Bytes.cr { throw HTTP1ParseError(.bareCR, "bare CR inside a line") }
            throw HTTP1ParseError(.badChunk, "chunk size is missing or not hexadecimal")
        }
        var j = i
        while j < end && HTTP1Bytes.isOWS(b[j]) { j += 1 }
        if j == end {
            guard j == i else { throw HTTP1ParseError(.badChunk, "whitespace after chunk size without an extension") }
            return size
        }
        guard b[j] == HTTP1Bytes.semicolon else {
            throw HTTP1HeadParser.misplaced(b[j], .badChunk, "unexpected byte after chunk size")
        }
        for k in (j + 1)..<end where !HTTP1Bytes.isFieldValueByte(b[k]) {
            throw HTTP1HeadParser.misplaced(b[k], .badChunk, "chunk extension has a control byte")
        }
        return size
    }

    static func chunkLineTooLong(_ max: Int) -> HTTP1ParseError {
        HTTP1ParseError(.badChunk, "chunk size line is longer than \(max) bytes")
    }
}

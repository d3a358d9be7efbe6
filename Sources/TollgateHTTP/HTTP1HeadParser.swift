#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses a complete head (or trailer section) that `HTTP1SectionScanner` delimited. Input is
/// `start..<end` of a buffer, `end` just past the blank line; every line ends in CRLF already.
enum HTTP1HeadParser {
    typealias B = HTTP1Bytes

    /// The end of the line starting at `from` (index of its CR) and the start of the next line.
    @inline(__always)
    static func line(_ b: UnsafeRawBufferPointer, from: Int, end: Int) -> (contentEnd: Int, next: Int) {
        // The scanner proved an LF exists before `end` and that a CR precedes it.
        let lf = B.findLF(b, from: from, to: end) ?? (end - 1)
        return (max(from, lf - 1), lf + 1)
    }

    /// The error for a byte that has no place where it was found.
    @inline(__always)
    static func misplaced(_ c: UInt8, _ code: HTTP1ParseError.Code, _ message: @autoclosure () -> String) -> HTTP1ParseError {
        if c == B.cr { return HTTP1ParseError(.bareCR, "bare CR inside a line") }
        if c == 0 { return HTTP1ParseError(code, message() + " (NUL byte)") }
        return HTTP1ParseError(code, message())
    }

    // MARK: Request and status lines

    static func parseRequest(_ b: UnsafeRawBufferPointer, start: Int, end: Int, limits: HTTP1Limits, fieldLimit: Int = .max) throws(HTTP1ParseError) -> (HTTPRequestHead, HTTP1BodyFraming) {
        let (le, next) = line(b, from: start, end: end)
        var i = start
        // method SP
        while i < le && b[i] != B.sp {
            guard B.isToken(b[i]) else { throw misplaced(b[i], .badRequestLine, "request method is not a token") }
            i += 1
        }
        guard i > start, i < le else { throw HTTP1ParseError(.badRequestLine, "request line has no method or target") }
        let methodRange = start..<i
        i += 1
        // request-target SP: visible ASCII only (RFC 3986 characters, anything else percent-encoded)
        let targetStart = i
        while i < le && b[i] != B.sp {
            let c = b[i]
            guard c > 0x20 && c < 0x7F && c != 0x23 else { throw misplaced(c, .badRequestLine, "request target has an invalid byte") }
            i += 1
        }
        guard i > targetStart, i < le else { throw HTTP1ParseError(.badRequestLine, "request line is not 'method SP target SP version'") }
        let targetRange = targetStart..<i
        i += 1
        let version = try parseVersion(b, i..<le, code: .badRequestLine, what: "request line")

        let method = knownMethod(b, methodRange) ?? B.string(b, methodRange, asciiOnly: true) ?? ""
        try checkTargetForm(b, targetRange, method: method)
        let target = knownTarget(b, targetRange) ?? B.string(b, targetRange, asciiOnly: true) ?? ""

        var facts = HTTP1FramingFacts()
        let headers = try parseFields(b, from: next, end: end, facts: &facts, isRequest: true, fieldLimit: fieldLimit)
        let framing = try facts.requestFraming(version: version, limits: limits)
        return (HTTPRequestHead(method: method, target: target, version: version, headers: headers), framing)
    }

    static func parseResponse(_ b: UnsafeRawBufferPointer, start: Int, end: Int, fieldLimit: Int = .max) throws(HTTP1ParseError) -> (HTTPResponseHead, HTTP1FramingFacts) {
        let (le, next) = line(b, from: start, end: end)
        // HTTP-version SP 3DIGIT [SP reason]; a missing SP before an empty reason is tolerated.
        guard le - start >= 12, b[start + 8] == B.sp else {
            for j in start..<le where b[j] == B.cr { throw HTTP1ParseError(.bareCR, "bare CR inside a line") }
            throw HTTP1ParseError(.badStatusLine, "status line is not 'HTTP/x.y SP code SP reason'")
        }
        let version = try parseVersion(b, start..<(start + 8), code: .badStatusLine, what: "status line")
        var status = 0
        for j in (start + 9)..<(start + 12) {
            guard B.isDigit(b[j]) else { throw misplaced(b[j], .badStatusLine, "status code is not three digits") }
            status = status * 10 + Int(b[j] &- 0x30)
        }
        guard status >= 100 else { throw HTTP1ParseError(.badStatusLine, "status code \(status) is out of range") }
        var reason = ""
        if le > start + 12 {
            guard b[start + 12] == B.sp else { throw misplaced(b[start + 12], .badStatusLine, "status code is not followed by SP") }
            let r = (start + 13)..<le
            var ascii = true
            for j in r {
                let c = b[j]
                guard B.isFieldValueByte(c) else { throw misplaced(c, .badStatusLine, "reason phrase has a control byte") }
                if c >= 0x80 { ascii = false }
            }
            // The reason phrase is informational only: repair rather than refuse odd encodings.
            // "OK" interned: making it a String went through UTF-8 repair (~130 instructions).
            let isOK = r.count == 2 && b[r.lowerBound] == 0x4F && b[r.lowerBound + 1] == 0x4B
            reason = isOK ? "OK" : ascii ? (B.string(b, r, asciiOnly: true) ?? "") : String(decoding: UnsafeRawBufferPointer(rebasing: b[r]), as: UTF8.self)
        }
        var facts = HTTP1FramingFacts()
        let headers = try parseFields(b, from: next, end: end, facts: &facts, isRequest: false, fieldLimit: fieldLimit)
        return (HTTPResponseHead(status: status, reason: reason, version: version, headers: headers), facts)
    }

    /// "HTTP/" DIGIT "." DIGIT; only 1.0 and 1.1 are spoken here (505 for others).
    static func parseVersion(_ b: UnsafeRawBufferPointer, _ r: Range<Int>, code: HTTP1ParseError.Code, what: String) throws(HTTP1ParseError) -> HTTPVersion {
        guard r.count == 8, b[r.lowerBound] == 0x48, b[r.lowerBound + 1] == 0x54, b[r.lowerBound + 2] == 0x54,
              b[r.lowerBound + 3] == 0x50, b[r.lowerBound + 4] == 0x2F, B.isDigit(b[r.lowerBound + 5]),
              b[r.lowerBound + 6] == 0x2E, B.isDigit(b[r.lowerBound + 7])
        else {
            for j in r where b[j] == B.cr { throw HTTP1ParseError(.bareCR, "bare CR inside a line") }
            throw HTTP1ParseError(code, "\(what) has no valid HTTP version")
        }
        let major = Int(b[r.lowerBound + 5] &- 0x30), minor = Int(b[r.lowerBound + 7] &- 0x30)
        guard major == 1 && minor <= 1 else {
            throw HTTP1ParseError(.unsupportedVersion, "HTTP/\(major).\(minor) is not supported")
        }
        return minor == 1 ? .http1_1 : .http1_0
    }

    /// RFC 9112 3.2: origin-form, absolute-form, authority-form (CONNECT only), asterisk-form (OPTIONS only).
    static func checkTargetForm(_ b: UnsafeRawBufferPointer, _ r: Range<Int>, method: String) throws(HTTP1ParseError) {
        let first = b[r.lowerBound]
        if method == "CONNECT" {
            // authority-form: host ":" port, nothing else.
            var colon = false
            for j in r {
                let c = b[j]
                if c == B.colon { colon = true }
                if c == 0x2F || c == 0x3F || c == 0x40 {
                    throw HTTP1ParseError(.badRequestLine, "CONNECT target must be host:port")
                }
            }
            guard colon else { throw HTTP1ParseError(.badRequestLine, "CONNECT target must be host:port") }
            return
        }
        if first == 0x2F { return }  // origin-form
        if r.count == 1 && first == 0x2A {
            guard method == "OPTIONS" else { throw HTTP1ParseError(.badRequestLine, "asterisk-form target is only allowed for OPTIONS") }
            return
        }
        // absolute-form: scheme ":" ...
        guard (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7A else {
            throw HTTP1ParseError(.badRequestLine, "request target is not origin-form or absolute-form")
        }
        for j in (r.lowerBound + 1)..<r.upperBound {
            let c = b[j]
            if c == B.colon { return }
            let l = c | 0x20
            guard (l >= 0x61 && l <= 0x7A) || B.isDigit(c) || c == 0x2B || c == 0x2D || c == 0x2E else { break }
        }
        throw HTTP1ParseError(.badRequestLine, "request target is not origin-form or absolute-form")
    }

    /// The LLM API paths this proxy mostly sees, interned (String literals need no
    /// allocation): making the String cost ~280 instructions a request (validation and an
    /// allocation past 15 bytes, measured).
    @inline(__always)
    static func knownTarget(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> String? {
        @inline(__always)
        func equals(_ lit: StaticString) -> Bool {
            memcmp(b.baseAddress! + r.lowerBound, lit.utf8Start, r.count) == 0
        }
        switch r.count {
        case 20: if equals("/v1/chat/completions") { return "/v1/chat/completions" }
        case 12: if equals("/v1/messages") { return "/v1/messages" }
        case 13: if equals("/v1/responses") { return "/v1/responses" }
        case 14: if equals("/v1/embeddings") { return "/v1/embeddings" }
        case 15: if equals("/v1/completions") { return "/v1/completions" }
        default: break
        }
        return nil
    }

    /// Interned method strings so common requests allocate nothing for them.
    @inline(__always)
    static func knownMethod(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> String? {
        switch r.count {
        case 3:
            if b[r.lowerBound] == 0x47 && b[r.lowerBound + 1] == 0x45 && b[r.lowerBound + 2] == 0x54 { return "GET" }
            if b[r.lowerBound] == 0x50 && b[r.lowerBound + 1] == 0x55 && b[r.lowerBound + 2] == 0x54 { return "PUT" }
        case 4:
            if b[r.lowerBound] == 0x50 && b[r.lowerBound + 1] == 0x4F && b[r.lowerBound + 2] == 0x53 && b[r.lowerBound + 3] == 0x54 { return "POST" }
            if b[r.lowerBound] == 0x48 && b[r.lowerBound + 1] == 0x45 && b[r.lowerBound + 2] == 0x41 && b[r.lowerBound + 3] == 0x44 { return "HEAD" }
        default: break
        }
        return nil
    }

    // MARK: Fields

    /// Header (or trailer) fields from `from` up to the blank line that ends at `end`.
    ///
    /// One pass per line through a typed pointer: the scanner already proved every LF in the
    /// section follows a CR, so a CR followed by LF ends the line and no per-line memchr is
    /// needed (this loop ran ~500 instructions per field before, measured).
    /// More than `fieldLimit` fields is an error (the whole-section path's line limit).
    static func parseFields(_ b: UnsafeRawBufferPointer, from: Int, end: Int, facts: inout HTTP1FramingFacts, isRequest: Bool,
                            fieldLimit: Int = .max) throws(HTTP1ParseError) -> HTTPHeaders {
        // The field lines are copied once; each field is a span into that copy. Spans gather
        // on the stack and the array is made once at the end: reserving room and appending
        // field by field cost ~300 instructions a head (measured).
        let block = UnsafeRawBufferPointer(rebasing: b[from..<end])
        guard from < end, let base = b.baseAddress else { return HTTPHeaders(block: block, spans: UnsafeBufferPointer(start: nil, count: 0)) }
        let r: Result<HTTPHeaders, HTTP1ParseError> = withUnsafeTemporaryAllocation(of: HTTPHeaders.Span.self, capacity: 32) { scratch in
            var overflow: [HTTPHeaders.Span] = []
            var n = 0
            do throws(HTTP1ParseError) {
                try parseFieldLines(b, base.assumingMemoryBound(to: UInt8.self), from: from, end: end, facts: &facts, isRequest: isRequest) { span throws(HTTP1ParseError) in
                    if n == scratch.count {
                        overflow.append(contentsOf: scratch)
                        n = 0
                    }
                    scratch[n] = span
                    n &+= 1
                    if overflow.count &+ n > fieldLimit { throw HTTP1ParseError(.tooManyHeaders, "more than \(fieldLimit) header fields") }
                }
            } catch {
                return .failure(error)
            }
            if overflow.isEmpty { return .success(HTTPHeaders(block: block, spans: UnsafeBufferPointer(rebasing: scratch[..<n]))) }
            overflow.append(contentsOf: scratch[..<n])
            return .success(HTTPHeaders(block: block, spanArray: overflow))
        }
        return try r.get()
    }

    /// The field lines of `parseFields`, each field's span (relative to `from`) given to `add`.
    @inline(__always)
    static func parseFieldLines(_ b: UnsafeRawBufferPointer, _ p: UnsafePointer<UInt8>, from: Int, end: Int, facts: inout HTTP1FramingFacts,
                                isRequest: Bool, _ add: (HTTPHeaders.Span) throws(HTTP1ParseError) -> Void) throws(HTTP1ParseError) {
        var ls = from
        while ls < end {
            let c0 = p[ls]
            if c0 == B.cr && p[ls + 1] == B.lf { break }  // the blank line
            if B.isOWS(c0) {
                throw HTTP1ParseError(.obsFold, "obsolete line folding (a field line starting with whitespace) is not allowed")
            }
            let i = B.skipTokens(p, from: ls)
            let stop = p[i]
            if stop != B.colon {
                if stop == B.cr && p[i + 1] == B.lf { throw HTTP1ParseError(.badHeaderName, "field line has no colon") }
                if B.isOWS(stop) { throw HTTP1ParseError(.badHeaderName, "whitespace between a field name and its colon") }
                throw misplaced(stop, .badHeaderName, "field name has an invalid byte")
            }
            guard i > ls else { throw HTTP1ParseError(.badHeaderName, "field name is empty") }
            let nameRange = ls..<i
            var vs = i &+ 1
            while B.isOWS(p[vs]) { vs &+= 1 }
            // Up to the line's CR: printable ASCII eight bytes at a time, then whatever stopped it.
            // obs-text (0x80-0xFF) is opaque data (RFC 9110 5.5): kept and forwarded byte for byte,
            // never refused or repaired, as Latin-1 values from old servers still occur.
            var j = vs
            while true {
                j = B.skipPrintableASCII(b, from: j, to: end)
                let c = p[j]
                if c == B.cr && p[j + 1] == B.lf { break }
                if !B.isFieldValueByte(c) {
                    throw misplaced(c, .badHeaderValue, "field value has a control byte")
                }
                j &+= 1
            }
            let next = j &+ 2
            var ve = j
            while ve > vs && B.isOWS(p[ve - 1]) { ve &-= 1 }
            let valueRange = vs..<ve
            if noteFramingField(b, nameRange, valueRange, &facts) && isRequest {
                try checkHost(b, valueRange)
            }
            try add(HTTPHeaders.Span(nameStart: UInt32(truncatingIfNeeded: nameRange.lowerBound &- from),
                                     nameEnd: UInt32(truncatingIfNeeded: nameRange.upperBound &- from),
                                     valueStart: UInt32(truncatingIfNeeded: valueRange.lowerBound &- from),
                                     valueEnd: UInt32(truncatingIfNeeded: valueRange.upperBound &- from)))
            ls = next
        }
    }

    /// Notes Host, Content-Length and Transfer-Encoding; returns whether the field is Host.
    @inline(__always)
    static func noteFramingField(_ b: UnsafeRawBufferPointer, _ name: Range<Int>, _ value: Range<Int>, _ facts: inout HTTP1FramingFacts) -> Bool {
        switch name.count {
        case 4:
            if B.equalsLowercase(b, name, "host") {
                facts.hostCount += 1
                return true
            }
        case 14:
            if B.nameEqualsLowercase(b, name, "content-length") { facts.addContentLength(b, value) }
        case 17:
            if B.nameEqualsLowercase(b, name, "transfer-encoding") { facts.addTransferEncoding(b, value) }
        default: break
        }
        return false
    }

    /// Host = uri-host [ ":" port ]: reg-name, IPv4 or IP-literal characters only. No comma (a
    /// list of hosts), no userinfo, no whitespace: routing must not disagree with the upstream.
    static func checkHost(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) throws(HTTP1ParseError) {
        let t = B.hostTable.utf8Start
        for j in r where t[Int(b[j])] != 0x31 {
            throw HTTP1ParseError(.badHost, "Host header has an invalid character")
        }
    }
}

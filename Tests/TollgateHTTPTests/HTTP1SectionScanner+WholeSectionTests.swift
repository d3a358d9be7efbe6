import Testing
@testable import TollgateHTTP

/// The whole-section path (a head that arrives in one read, parsed in one pass) against the
/// general path (the line scanner, then the parser): fed whole, a head takes the first; fed
/// one byte per call, the second. Both must give the same events and the same error.
struct HTTP1WholeSectionTests {
    static let requestLines = ["POST /v1/chat/completions HTTP/1.1", "GET / HTTP/1.1", "GET /a?b=c HTTP/1.0", "OPTIONS * HTTP/1.1",
                               "CONNECT h:443 HTTP/1.1", "GET http://x/y HTTP/1.1", "PUT /x HTTP/2.0", "G@T / HTTP/1.1"]
    static let statusLines = ["HTTP/1.1 200 OK", "HTTP/1.1 204 No Content", "HTTP/1.0 200 OK", "HTTP/1.1 100 Continue",
                              "HTTP/1.1 404 ", "HTTP/1.1 200", "HTTP/1.1 500 caf\u{e9}"]
    static let fields = ["Host: api.example.com", "host: 127.0.0.1:8080", "Content-Length: 5", "content-length: 5, 5",
                         "Content-Length: 7", "Transfer-Encoding: chunked", "Connection: keep-alive", "Connection: close",
                         "content-type: application/json", "authorization: Bearer sk-x", "Accept-Encoding: identity",
                         "X-A:b", "Server: nginx/1.24.0", "Date: Sun, 22 Nov 2026 15:00:00 GMT", "Expect: 100-continue",
                         "X-Empty:", "X-Pad:  v  ", "TE: trailers"]
    /// Bytes the mutations insert: separators, whitespace, controls, CR/LF pieces, non-ASCII.
    static let noise: [UInt8] = [0x3A, 0x20, 0x09, 0x0D, 0x0A, 0x00, 0x7F, 0x80, 0xC3, 0xA9, 0xFF, 0x2C, 0x41]

    /// A head from the pools, maybe mutated, maybe followed by a few body bytes.
    static func head(_ r: inout TestLCG, request: Bool) -> [UInt8] {
        var s = Array(r.pick(request ? requestLines : statusLines).utf8) + [0x0D, 0x0A]
        // Most requests name their host (HTTP/1.1 requires it), so many parse.
        if request && r.below(4) != 0 { s += Array("Host: api.example.com\r\n".utf8) }
        for _ in 0..<r.below(9) { s += Array(r.pick(fields).utf8) + [0x0D, 0x0A] }
        s += [0x0D, 0x0A]
        for _ in 0..<r.below(3) {
            let at = r.below(s.count)
            switch r.below(4) {
            case 0: s.insert(r.pick(noise), at: at)
            case 1: s.remove(at: at)
            case 2: s[at] = r.pick(noise)
            default: s.insert(contentsOf: [0x0D, 0x0A], at: at)
            }
        }
        return s + Array("hello".utf8.prefix(r.below(6)))
    }

    /// Limits small enough for the generated heads to cross them now and then.
    static func limits(_ r: inout TestLCG) -> HTTP1Limits {
        r.below(3) == 0
            ? HTTP1Limits(maxRequestLineBytes: 10 + r.below(30), maxHeaderBytes: 40 + r.below(200), maxHeaderCount: r.below(8))
            : HTTP1Limits()
    }

    /// Requests: whole and byte-at-a-time agree over generated and mutated heads, limits
    /// included, and the whole-section path is taken for most of the unmutated ones.
    @Test func requestsAgree() {
        var r = TestLCG(state: 7)
        var parsedWhole = 0
        for _ in 0..<6000 {
            let b = Self.head(&r, request: true)
            let lim = Self.limits(&r)
            let run = parseRequests(b, limits: lim)  // checks whole == byte-at-a-time
            if run.error == nil, !run.events.isEmpty { parsedWhole += 1 }
        }
        #expect(parsedWhole > 500)
    }

    /// Responses: the same agreement, through the response parser.
    @Test func responsesAgree() {
        var r = TestLCG(state: 11)
        var parsed = 0
        for _ in 0..<6000 {
            let b = Self.head(&r, request: false)
            let lim = Self.limits(&r)
            var whole = HTTP1ResponseParser(limits: lim)
            whole.expectResponse(toMethod: "GET")
            let a = drive(&whole, b)
            var split = HTTP1ResponseParser(limits: lim)
            split.expectResponse(toMethod: "GET")
            let c = drive(&split, b, cuts: Array(0...b.count))
            #expect(a == c, "\(String(decoding: b, as: UTF8.self).debugDescription)\n\(a.events) \(String(describing: a.error))\n\(c.events) \(String(describing: c.error))")
            if a != c { break }
            if a.error == nil, !a.events.isEmpty { parsed += 1 }
        }
        #expect(parsed > 1000)
    }

    /// The whole-section end is the first CRLF CRLF, and odd starts or limits leave it to the scanner.
    @Test func wholeSectionEnd() {
        let rules = HTTP1SectionScanner.Rules(skipLeadingEmptyLines: true, firstLineLimit: 20, firstLineError: .uriTooLong,
                                              maxBytes: 64, maxLines: 5, what: "request head")
        func end(_ s: String) -> Int? { bytes(s).withUnsafeBytes { HTTP1SectionScanner.wholeSectionEnd($0, rules) } }
        #expect(end("GET / HTTP/1.1\r\nA: b\r\n\r\nbody") == 24)
        #expect(end("GET / HTTP/1.1\r\n\r\n") == 18)
        #expect(end("GET / HTTP/1.1\r\nA: b\r\n") == nil)  // incomplete
        #expect(end("\r\nGET / HTTP/1.1\r\n\r\n") == nil)  // leading empty line
        #expect(end("GET / HTTP/1.1\nA: b\r\n\r\n") == nil)  // bare LF ending the start line
        #expect(end("GET /aaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n") == nil)  // start line over its limit
        #expect(end("GET / HTTP/1.1\r\nA: " + String(repeating: "b", count: 60) + "\r\n\r\n") == nil)  // head over maxBytes
    }
}

import Testing
@testable import TollgateHTTP

struct HTTP1RequestParserTests {
    /// A simple GET yields its head with no body framing, then end.
    @Test func simpleGet() {
        let run = parseRequests("GET /v1/models?x=1 HTTP/1.1\r\nHost: api.example\r\nAccept: */*\r\n\r\n")
        #expect(run.error == nil)
        #expect(run.events == [
            .req(HTTPRequestHead(method: "GET", target: "/v1/models?x=1", headers: ["Host": "api.example", "Accept": "*/*"]), .none),
            .end,
        ])
        #expect(run.leftover == 0)
    }

    /// Field values are OWS-trimmed and names keep their case.
    @Test func fieldValuesTrimmed() {
        let run = parseRequests("GET / HTTP/1.1\r\nhOsT: \t a \r\nX-Empty:\r\nX-In:  a  b\t\r\n\r\n")
        #expect(run.events.first == .req(HTTPRequestHead(method: "GET", target: "/", headers: ["hOsT": "a", "X-Empty": "", "X-In": "a  b"]), .none))
    }

    /// POST with Content-Length delivers exactly that many body bytes.
    @Test func postWithContentLength() {
        let run = parseRequests("POST /v1/chat HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world")
        #expect(run.error == nil)
        #expect(run.events == [
            .req(HTTPRequestHead(method: "POST", target: "/v1/chat", headers: ["Host": "h", "Content-Length": "11"]), .contentLength(11)),
            .body(bytes("hello world")),
            .end,
        ])
    }

    /// Content-Length: 0 reports its framing and ends without a body event.
    @Test func zeroContentLength() {
        let run = parseRequests("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
        #expect(run.events.count == 2)
        #expect(run.events.last == .end)
        if case .req(_, let f) = run.events.first { #expect(f == .contentLength(0)) } else { Issue.record("no head") }
    }

    /// Body events point into the caller's buffer (zero copy), past the head.
    @Test func bodyRangeIsInsideInput() throws {
        var p = HTTP1RequestParser()
        let msg = bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcXYZ")
        try withBytes(msg) { (b) throws(HTTP1ParseError) in
            let r1 = try p.next(b)
            guard case .requestHead? = r1.event else { Issue.record("expected head"); return }
            let rest = UnsafeRawBufferPointer(rebasing: b[r1.consumed...])
            let r2 = try p.next(rest)
            #expect(r2.event == .body(0..<3))
            #expect(r2.consumed == 3)
            #expect(Array(rest[0..<3]) == bytes("abc"))
            let r3 = try p.next(UnsafeRawBufferPointer(rebasing: rest[3...]))
            #expect(r3.event == .end && r3.consumed == 0)
            #expect(p.isIdle)
        }
    }

    /// Chunked bodies with extensions and trailers decode to data, trailers, end.
    @Test func chunkedWithExtensionsAndTrailers() {
        let run = parseRequests(
            "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6 ; q=\"x\"\r\n world\r\n0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n")
        #expect(run.error == nil)
        #expect(run.events == [
            .req(HTTPRequestHead(method: "POST", target: "/up", headers: ["Host": "h", "Transfer-Encoding": "chunked"]), .chunked),
            .body(bytes("hello world")),
            .trailers(["X-Checksum": "abc", "X-Other": "1"]),
            .end,
        ])
    }

    /// A chunked body without trailers ends right after the last chunk; hex sizes are case-insensitive.
    @Test func chunkedNoTrailers() {
        let body = String(repeating: "x", count: 0x1A)
        let run = parseRequests("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n1a\r\n\(body)\r\n0000\r\n\r\n")
        #expect(run.error == nil)
        #expect(run.events.dropFirst() == [.body(bytes(body)), .end])
        let run2 = parseRequests("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1A\r\n\(body)\r\n0\r\n\r\n")
        #expect(run2.error == nil)
    }

    /// Malformed chunk framing is refused with badChunk (or bareLF).
    @Test func badChunks() {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(requestError(head + "\r\n") == .badChunk)                     // empty size
        #expect(requestError(head + "g\r\n") == .badChunk)                    // not hex
        #expect(requestError(head + "-1\r\n") == .badChunk)                   // sign
        #expect(requestError(head + "0x5\r\n") == .badChunk)                  // prefix
        #expect(requestError(head + " 5\r\n") == .badChunk)                   // leading space
        #expect(requestError(head + "5 \r\nhello\r\n0\r\n\r\n") == .badChunk)  // trailing space, no ext
        #expect(requestError(head + "10000000000000000\r\n") == .badChunk)    // 2^64: overflow
        #expect(requestError(head + "8000000000000000\r\n") == .badChunk)     // 2^63: overflow
        #expect(requestError(head + "5\r\nhelloX\r\n") == .badChunk)          // data longer than size
        #expect(requestError(head + "5\r\nhello\n0\r\n\r\n") == .badChunk)    // LF without CR after data
        #expect(requestError(head + "5\nhello\r\n") == .bareLF)               // bare LF size line
        #expect(requestError(head + "5;a\u{1}\r\n") == .badChunk)             // control byte in extension
        #expect(requestError(head + "5\r\r\n") == .bareCR)                    // CR in size line
        #expect(requestError(head + "0\r\nX: 1\n\r\n") == .bareLF)            // bare LF in trailers
        #expect(requestError(head + "0\r\n folded\r\n\r\n") == .obsFold)      // obs-fold in trailers
    }

    /// Chunk-size lines are bounded by maxChunkLineBytes, extensions included.
    @Test func chunkLineLimit() {
        let limits = HTTP1Limits(maxChunkLineBytes: 16)
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(requestError(head + "1;" + String(repeating: "e", count: 14) + "\r\nx\r\n0\r\n\r\n", limits: limits) == nil)
        #expect(requestError(head + "1;" + String(repeating: "e", count: 15) + "\r\nx\r\n0\r\n\r\n", limits: limits) == .badChunk)
        #expect(requestError(head + "1;" + String(repeating: "e", count: 400), limits: limits) == .badChunk)
    }

    /// Several requests in one buffer come out one after the other.
    @Test func pipelined() {
        let run = parseRequests(
            "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi"
                + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nyo\r\n0\r\n\r\n"
                + "GET /d HTTP/1.0\r\n\r\n")
        #expect(run.error == nil)
        let targets = run.events.compactMap { e -> String? in if case .req(let h, _) = e { return h.target } else { return nil } }
        #expect(targets == ["/a", "/b", "/c", "/d"])
        #expect(run.events.filter { $0 == .end }.count == 4)
        #expect(run.events.contains(.body(bytes("hi"))) && run.events.contains(.body(bytes("yo"))))
    }

    /// After `.end` the parser stops at the next message's boundary and reports idle.
    @Test func endLeavesNextRequestUnconsumed() throws {
        var p = HTTP1RequestParser()
        let msg = bytes("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n")
        try withBytes(msg) { (b) throws(HTTP1ParseError) in
            let r1 = try p.next(b)
            #expect(r1.consumed == 28)
            let r2 = try p.next(UnsafeRawBufferPointer(rebasing: b[28...]))
            #expect(r2.event == .end && r2.consumed == 0)
            #expect(p.isIdle)
            let r3 = try p.next(UnsafeRawBufferPointer(rebasing: b[28...]))
            guard case .requestHead(let h, _)? = r3.event else { Issue.record("no second head"); return }
            #expect(h.target == "/b")
        }
    }

    /// isIdle is false while a partial head is held and true again after the message ends.
    @Test func idleTracking() throws {
        var p = HTTP1RequestParser()
        #expect(p.isIdle)
        let part = bytes("GET / HT")
        let r = try withBytes(part) { (b) throws(HTTP1ParseError) in try p.next(b) }
        #expect(r.consumed == part.count && r.event == nil)
        #expect(!p.isIdle)
        let rest = bytes("TP/1.1\r\nHost: h\r\n\r\n")
        let r2 = try withBytes(rest) { (b) throws(HTTP1ParseError) in try p.next(b) }
        #expect(r2.consumed == rest.count)
        guard case .requestHead(let h, .none)? = r2.event else { Issue.record("no head"); return }
        #expect(h.method == "GET" && h.headers["host"] == "h")
        #expect(!p.isIdle)
        let r3 = try withBytes([UInt8]()) { (b) throws(HTTP1ParseError) in try p.next(b) }
        #expect(r3.event == .end)
        #expect(p.isIdle)
    }

    /// Keep-alive follows the version default and the Connection header.
    @Test func keepAliveSemantics() {
        func head(_ s: String) -> HTTPRequestHead? {
            if case .req(let h, _)? = parseRequests(s).events.first { return h }
            return nil
        }
        #expect(head("GET / HTTP/1.1\r\nHost: h\r\n\r\n")?.isKeepAlive == true)
        #expect(head("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")?.isKeepAlive == false)
        #expect(head("GET / HTTP/1.0\r\n\r\n")?.isKeepAlive == false)
        #expect(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.isKeepAlive == true)
        #expect(head("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, CLOSE\r\n\r\n")?.isKeepAlive == false)
    }

    /// Empty lines before a request line are ignored; a lone LF is not.
    @Test func leadingEmptyLines() {
        let run = parseRequests("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(run.error == nil && run.events.count == 2)
        #expect(requestError("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n") == .bareLF)
        // An extra CRLF after a POST body (old clients) is skipped before the next request.
        let run2 = parseRequests("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(run2.error == nil && run2.events.filter { $0 == .end }.count == 2)
    }

    /// All four request-target forms are accepted only where RFC 9112 allows them.
    @Test func targetForms() {
        #expect(requestError("GET http://a.example/x?y HTTP/1.1\r\nHost: a.example\r\n\r\n") == nil)
        #expect(requestError("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n") == nil)
        #expect(requestError("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n") == nil)
        #expect(requestError("GET * HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("CONNECT a.example HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("GET x/y HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("GET /caf\u{E9} HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequestLine)
    }

    /// Malformed request lines are 400, unknown versions 505.
    @Test func badRequestLines() {
        #expect(requestError("GET  / HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("GET / HTTP/1.1 \r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("GET /\r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("GET\r\n\r\n") == .badRequestLine)
        #expect(requestError("G(T / HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("GET / http/1.1\r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("GET / HTTP/1.10\r\nHost: h\r\n\r\n") == .badRequestLine)
        #expect(requestError("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == .unsupportedVersion)
        #expect(requestError("GET / HTTP/1.2\r\nHost: h\r\n\r\n") == .unsupportedVersion)
        #expect(requestError("GET / HTTP/0.9\r\n\r\n") == .unsupportedVersion)
        #expect(parseRequests("GET / HTTP/3.0\r\n\r\n").error?.status == 505)
        #expect(requestError("GET / HTTP/1.1\r\r\nHost: h\r\n\r\n") == .bareCR)
        #expect(requestError("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n") == .bareCR)
        #expect(requestError("GET\0/ HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequestLine)
    }

    /// Custom methods are tokens and come back verbatim.
    @Test func customMethod() {
        let run = parseRequests("PROPFIND /x HTTP/1.1\r\nHost: h\r\n\r\n")
        if case .req(let h, _)? = run.events.first { #expect(h.method == "PROPFIND") } else { Issue.record("no head") }
    }

    /// Host is required once in HTTP/1.1, optional in 1.0, and must look like a host.
    @Test func hostRules() {
        #expect(requestError("GET / HTTP/1.1\r\n\r\n") == .missingHost)
        #expect(requestError("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") == .duplicateHost)
        #expect(requestError("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n") == .duplicateHost)
        #expect(requestError("GET / HTTP/1.1\r\nHost:\r\n\r\n") == nil)
        #expect(requestError("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n") == nil)
        #expect(requestError("GET / HTTP/1.1\r\nHost: a, b\r\n\r\n") == .badHost)
        #expect(requestError("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") == .badHost)
        #expect(requestError("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n") == .badHost)
        #expect(requestError("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n") == .badHost)
        #expect(parseRequests("GET / HTTP/1.1\r\n\r\n").error?.status == 400)
    }

    /// Header values that are not UTF-8 (obs-text) are kept byte for byte, neither refused nor repaired.
    @Test func nonUTF8Value() {
        var b = bytes("GET / HTTP/1.1\r\nHost: h\r\nX-A: caf")
        b.append(0xE9)
        b += bytes("\r\n\r\n")
        let latin1 = parseRequests(b)
        #expect(latin1.error == nil)
        if case .req(let h, _)? = latin1.events.first {
            var out: [UInt8] = []
            HTTP1Serializer.appendRequestHead(h, to: &out)
            #expect(out.firstRange(of: bytes("X-A: caf") + [0xE9, 0x0D, 0x0A]) != nil)
        } else { Issue.record("no head") }
        let ok = parseRequests("GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\u{E9} \u{1F600}\r\n\r\n")
        if case .req(let h, _)? = ok.events.first { #expect(h.headers["x-a"] == "caf\u{E9} \u{1F600}") } else { Issue.record("no head") }
    }

    /// Every later call after an error throws the same error.
    @Test func errorIsSticky() {
        var p = HTTP1RequestParser()
        let run = drive(&p, bytes("GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n"))
        #expect(run.error?.code == .badHeaderName)
        #expect(p.hasFailed)
        let again = drive(&p, bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(again.error == run.error)
    }

    /// Errors carry a status and a readable description.
    @Test func errorDescription() {
        let e = HTTP1ParseError(.contentLengthWithTransferEncoding, "request has both Content-Length and Transfer-Encoding")
        #expect(e.status == 400)
        #expect(e.description.contains("Content-Length and Transfer-Encoding"))
        #expect(HTTP1ParseError(.uriTooLong, "x").status == 414)
        #expect(HTTP1ParseError(.tooManyHeaders, "x").status == 431)
        #expect(HTTP1ParseError(.bodyTooLarge, "x").status == 413)
        #expect(HTTP1ParseError(.unsupportedTransferEncoding, "x").status == 501)
        #expect(HTTP1ParseError(.unsupportedVersion, "x").status == 505)
    }
}

import Testing
@testable import TollgateHTTP

/// Parses a response stream whole and one byte per call, checking both agree.
func parseResponse(_ s: String, method: String = "GET", limits: HTTP1Limits = HTTP1Limits(maxBodyBytes: .max)) -> Run {
    var whole = HTTP1ResponseParser(limits: limits)
    whole.expectResponse(toMethod: method)
    let a = drive(&whole, bytes(s))
    var split = HTTP1ResponseParser(limits: limits)
    split.expectResponse(toMethod: method)
    let c = drive(&split, bytes(s), cuts: Array(0...s.utf8.count))
    #expect(a == c, "whole vs byte-at-a-time differ:\n\(a.events)\n\(c.events)")
    return a
}

struct HTTP1ResponseParserTests {
    /// A 200 with Content-Length yields head, body, end.
    @Test func contentLengthResponse() {
        let run = parseResponse("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        #expect(run.error == nil)
        #expect(run.events == [
            .resp(HTTPResponseHead(status: 200, reason: "OK", headers: ["Content-Type": "application/json", "Content-Length": "2"]), .contentLength(2)),
            .body(bytes("{}")),
            .end,
        ])
    }

    /// 1xx heads come first, without `.end`, then the final response.
    @Test func informationalThenFinal() {
        let run = parseResponse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
        #expect(run.error == nil)
        #expect(run.events == [
            .resp(HTTPResponseHead(status: 100, reason: "Continue"), .none),
            .resp(HTTPResponseHead(status: 103, reason: "Early Hints", headers: ["Link": "</a>"]), .none),
            .resp(HTTPResponseHead(status: 200, reason: "OK", headers: ["Content-Length": "1"]), .contentLength(1)),
            .body(bytes("x")),
            .end,
        ])
    }

    /// 101 Switching Protocols ends the message at its head; following bytes are not parsed.
    @Test func switchingProtocols() throws {
        var p = HTTP1ResponseParser()
        p.expectResponse(toMethod: "GET")
        let msg = bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\u{81}\u{0}")
        try withBytes(msg) { (b) throws(HTTP1ParseError) in
            let r1 = try p.next(b)
            guard case .responseHead(let h, .none)? = r1.event else { Issue.record("no head"); return }
            #expect(h.status == 101)
            let r2 = try p.next(UnsafeRawBufferPointer(rebasing: b[r1.consumed...]))
            #expect(r2.event == .end && r2.consumed == 0)
            #expect(msg.count - r1.consumed == 3)  // the tunnel bytes stay with the caller
        }
    }

    /// 204 and 304 have no body even with Content-Length.
    @Test func noContentAndNotModified() {
        for s in ["HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"] {
            let run = parseResponse(s)
            #expect(run.error == nil)
            #expect(run.events.count == 2 && run.events.last == .end)
            if case .resp(_, let f)? = run.events.first { #expect(f == .none) }
        }
    }

    /// An answer to HEAD has no body whatever its framing headers say.
    @Test func headResponse() {
        let run = parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", method: "HEAD")
        #expect(run.error == nil)
        #expect(run.events == [.resp(HTTPResponseHead(status: 200, reason: "OK", headers: ["Content-Length": "1234"]), .none), .end])
        // The next response on the connection is read normally again.
        var p = HTTP1ResponseParser()
        p.expectResponse(toMethod: "HEAD")
        _ = drive(&p, bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"))
        p.expectResponse(toMethod: "GET")
        let run2 = drive(&p, bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"))
        #expect(run2.events.dropFirst() == [.body(bytes("abc")), .end])
    }

    /// A 2xx to CONNECT has no body; a 4xx to CONNECT does.
    @Test func connectResponse() {
        #expect(parseResponse("HTTP/1.1 200 Connection Established\r\n\r\n", method: "CONNECT").events.count == 2)
        let run = parseResponse("HTTP/1.1 407 Proxy Auth\r\nContent-Length: 2\r\n\r\nno", method: "CONNECT")
        #expect(run.events.contains(.body(bytes("no"))))
    }

    /// Chunked responses stream their chunks and trailers.
    @Test func chunkedResponse() {
        let run = parseResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\nServer-Timing: x\r\n\r\n")
        #expect(run.error == nil)
        #expect(Array(run.events.dropFirst()) == [.body(bytes("abcdef")), .trailers(["Server-Timing": "x"]), .end])
    }

    /// In a response Transfer-Encoding wins over Content-Length; a non-chunked final coding reads until close.
    @Test func transferEncodingWins() {
        let run = parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n")
        if case .resp(let h, let f)? = run.events.first {
            #expect(f == .chunked)
            // Passed on beside the decoded body, it would split the client's stream.
            #expect(!h.headers.contains("content-length"))
        } else { Issue.record("no head") }
        #expect(run.events.last == .end)
        let run2 = parseResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc")
        if case .resp(_, let f)? = run2.events.first { #expect(f == .untilClose) } else { Issue.record("no head") }
        #expect(parseResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n").error?.code == .badTransferEncoding)
        let run3 = parseResponse("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nraw")
        if case .resp(_, let f)? = run3.events.first { #expect(f == .untilClose) } else { Issue.record("no head") }
    }

    /// Without framing headers a response body runs until close; finishAtEOF ends it.
    @Test func untilClose() throws {
        var p = HTTP1ResponseParser()
        p.expectResponse(toMethod: "GET")
        let run = drive(&p, bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome data"), cuts: [20, 45, 50])
        #expect(run.error == nil)
        #expect(Array(run.events.dropFirst()) == [.body(bytes("some data"))])
        #expect(try p.finishAtEOF() == .end)
        #expect(p.isIdle)
        #expect(try p.finishAtEOF() == nil)
    }

    /// EOF inside a Content-Length or chunked body, or inside a head, is `.truncated`.
    @Test func truncated() {
        func eof(_ s: String, method: String = "GET") -> HTTP1ParseError.Code? {
            var p = HTTP1ResponseParser()
            p.expectResponse(toMethod: method)
            _ = drive(&p, bytes(s))
            do { _ = try p.finishAtEOF(); return nil } catch { return error.code }
        }
        #expect(eof("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") == .truncated)
        #expect(eof("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab") == .truncated)
        #expect(eof("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n") == .truncated)
        #expect(eof("HTTP/1.1 200 OK\r\nContent-") == .truncated)
        #expect(eof("HTTP/1.1 100 Continue\r\n\r\n") == .truncated)
        #expect(eof("") == .truncated)  // announced but never started: the caller may retry
        #expect(eof("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc") == nil)
        var idle = HTTP1ResponseParser()
        #expect((try? idle.finishAtEOF()) == .end)  // nothing was pending
    }

    /// Status lines: missing reason is fine, garbage and unknown versions are not.
    @Test func statusLines() {
        let run = parseResponse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")
        #expect(run.events.first == .resp(HTTPResponseHead(status: 200, reason: "", headers: ["Content-Length": "0"]), .contentLength(0)))
        let run2 = parseResponse("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n")
        #expect(run2.events.first == .resp(HTTPResponseHead(status: 404, reason: "", headers: ["Content-Length": "0"]), .contentLength(0)))
        #expect(parseResponse("HTTP/1.1 2000 OK\r\n\r\n").error?.code == .badStatusLine)
        #expect(parseResponse("HTTP/1.1 20 OK\r\n\r\n").error?.code == .badStatusLine)
        #expect(parseResponse("HTTP/1.1 099 OK\r\n\r\n").error?.code == .badStatusLine)
        #expect(parseResponse("HTTP/1.1  200 OK\r\n\r\n").error?.code == .badStatusLine)
        #expect(parseResponse("ICY 200 OK\r\n\r\n").error?.code == .badStatusLine)
        #expect(parseResponse("HTTP/2.0 200 OK\r\n\r\n").error?.code == .unsupportedVersion)
        #expect(parseResponse("HTTP/1.1 200 O\u{1}K\r\n\r\n").error?.code == .badStatusLine)
        #expect(parseResponse("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n").error?.code == .bareLF)
    }

    /// Response Content-Length faults are errors too, and the response body limit applies.
    @Test func responseContentLength() {
        #expect(parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").error?.code == .duplicateContentLength)
        #expect(parseResponse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").error?.code == .invalidContentLength)
        #expect(parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", limits: HTTP1Limits(maxBodyBytes: 10)).error?.code == .bodyTooLarge)
    }

    /// Keep-alive responses follow one another on the same parser.
    @Test func sequentialResponses() {
        var p = HTTP1ResponseParser()
        var seen: [Int] = []
        p.expectResponse(toMethod: "GET")
        let run = drive(&p, bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nbc")) { ev, parser in
            if case .resp(let h, _) = ev { seen.append(h.status) }
            if ev == .end { parser.expectResponse(toMethod: "GET") }
        }
        #expect(run.error == nil)
        #expect(seen == [200, 404])
        #expect(run.events.filter { $0 == .end }.count == 2)
    }
}

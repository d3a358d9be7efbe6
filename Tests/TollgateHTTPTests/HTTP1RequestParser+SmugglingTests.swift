import Testing
@testable import TollgateHTTP

/// Requests that different parsers could frame differently (RFC 9112 11.2) must be refused.
struct HTTP1RequestSmugglingTests {
    let h = "POST / HTTP/1.1\r\nHost: h\r\n"

    /// Content-Length values that disagree are refused; identical repeats are one value.
    @Test func duplicateContentLength() {
        #expect(requestError(h + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!") == .duplicateContentLength)
        #expect(requestError(h + "Content-Length: 5, 6\r\n\r\nhello!") == .duplicateContentLength)
        #expect(requestError(h + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello") == nil)
        #expect(requestError(h + "Content-Length: 5, 5\r\n\r\nhello") == nil)
        #expect(requestError(h + "Content-Length: 5\r\nContent-Length: 05\r\n\r\nhello") == nil)
    }

    /// Content-Length must be plain decimal digits that fit in Int64.
    @Test func invalidContentLength() {
        for v in ["-1", "+5", "5.0", "0x5", "five", "5 5", "", "5,", ",5", "99999999999999999999", "9223372036854775808"] {
            #expect(requestError(h + "Content-Length: \(v)\r\n\r\n") == .invalidContentLength, "Content-Length: \(v)")
        }
        #expect(requestError(h + "Content-Length: 9223372036854775807\r\n\r\n") == .bodyTooLarge)
    }

    /// Content-Length together with Transfer-Encoding is refused in a request.
    @Test func contentLengthWithTransferEncoding() {
        let e = parseRequests(h + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").error
        #expect(e?.code == .contentLengthWithTransferEncoding)
        #expect(e?.status == 400)
        #expect(e?.message == "request has both Content-Length and Transfer-Encoding")
        #expect(requestError(h + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n") == .contentLengthWithTransferEncoding)
        #expect(requestError(h + "Transfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n") == .contentLengthWithTransferEncoding)
    }

    /// Transfer-Encoding whose final coding is not chunked, or chunked twice, is 400; other codings 501.
    @Test func transferEncodingRules() {
        #expect(requestError(h + "Transfer-Encoding: chunked, identity\r\n\r\n") == .badTransferEncoding)
        #expect(requestError(h + "Transfer-Encoding: identity\r\n\r\n") == .badTransferEncoding)
        #expect(requestError(h + "Transfer-Encoding: gzip\r\n\r\n") == .badTransferEncoding)
        #expect(requestError(h + "Transfer-Encoding: chunked, chunked\r\n\r\n") == .badTransferEncoding)
        #expect(requestError(h + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n") == .badTransferEncoding)
        #expect(requestError(h + "Transfer-Encoding: \r\n\r\n") == .badTransferEncoding)
        #expect(requestError(h + "Transfer-Encoding: chunked;x=1\r\n\r\n") == .badTransferEncoding)
        #expect(requestError(h + "Transfer-Encoding: xchunked\r\n\r\n") == .badTransferEncoding)
        let e = parseRequests(h + "Transfer-Encoding: gzip, chunked\r\n\r\n").error
        #expect(e?.code == .unsupportedTransferEncoding && e?.status == 501)
        #expect(requestError(h + "Transfer-Encoding: foo\r\nTransfer-Encoding: chunked\r\n\r\n") == .unsupportedTransferEncoding)
        #expect(requestError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == .badTransferEncoding)
        // Case and surrounding whitespace do not matter; empty list elements are ignored.
        #expect(requestError(h + "Transfer-Encoding:  ChUnKeD \r\n\r\n0\r\n\r\n") == nil)
        #expect(requestError(h + "Transfer-Encoding: , chunked\r\n\r\n0\r\n\r\n") == nil)
    }

    /// Whitespace in the field name or before the colon is refused.
    @Test func spaceBeforeColon() {
        #expect(requestError(h + "Content-Length : 5\r\n\r\nhello") == .badHeaderName)
        #expect(requestError(h + "Transfer-Encoding\t: chunked\r\n\r\n") == .badHeaderName)
        #expect(requestError(h + "X Y: 1\r\n\r\n") == .badHeaderName)
        #expect(requestError(h + ": empty\r\n\r\n") == .badHeaderName)
        #expect(requestError(h + "NoColon\r\n\r\n") == .badHeaderName)
        #expect(requestError(h + "X@Y: 1\r\n\r\n") == .badHeaderName)
    }

    /// Obsolete line folding is refused with obsFold.
    @Test func obsFold() {
        #expect(requestError(h + "X-A: 1\r\n 2\r\n\r\n") == .obsFold)
        #expect(requestError(h + "X-A: 1\r\n\tTransfer-Encoding: chunked\r\n\r\n") == .obsFold)
        #expect(requestError("GET / HTTP/1.1\r\n Host: h\r\n\r\n") == .obsFold)
    }

    /// Bare LF line endings are refused, anywhere in the head.
    @Test func bareLF() {
        #expect(requestError("GET / HTTP/1.1\nHost: h\r\n\r\n") == .bareLF)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\n\r\n") == .bareLF)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\n\n") == .bareLF)
        #expect(requestError("GET / HTTP/1.1\r\nX: a\nTransfer-Encoding: chunked\r\nHost: h\r\n\r\n") == .bareLF)
    }

    /// A CR not followed by LF is refused.
    @Test func bareCR() {
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n") == .bareCR)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nX\r: a\r\n\r\n") == .bareCR)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\r\n\r\n") == .bareCR)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n\r\n") == .bareCR)
    }

    /// NUL and other control bytes in values are refused; HTAB and obs-text are fine.
    @Test func controlBytesInValues() {
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n") == .badHeaderValue)
        #expect(parseRequests("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n").error?.message.contains("NUL") == true)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1}\r\n\r\n") == .badHeaderValue)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{7F}\r\n\r\n") == .badHeaderValue)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1B}[31m\r\n\r\n") == .badHeaderValue)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nX: a\tb\r\n\r\n") == nil)
    }
}

/// Size and count limits with the statuses a server answers.
struct HTTP1RequestLimitTests {
    /// A request line longer than maxRequestLineBytes is 414, at the boundary it is accepted.
    @Test func requestLineLimit() {
        let limits = HTTP1Limits(maxRequestLineBytes: 64)
        let fixed = "GET  HTTP/1.1".utf8.count
        let okTarget = "/" + String(repeating: "a", count: 64 - fixed - 1)
        #expect(requestError("GET \(okTarget) HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits) == nil)
        let e = parseRequests("GET \(okTarget)a HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits).error
        #expect(e?.code == .uriTooLong && e?.status == 414)
        // Without any line end yet, a long line is refused as soon as it passes the limit.
        #expect(requestError("GET /" + String(repeating: "a", count: 200), limits: limits) == .uriTooLong)
    }

    /// A head larger than maxHeaderBytes is 431; exactly at the limit is fine.
    @Test func headerBytesLimit() {
        let base = "GET / HTTP/1.1\r\nHost: h\r\nX: \r\n\r\n"
        let limits = HTTP1Limits(maxHeaderBytes: 100)
        let pad = String(repeating: "v", count: 100 - base.utf8.count)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nX: \(pad)\r\n\r\n", limits: limits) == nil)
        let e = parseRequests("GET / HTTP/1.1\r\nHost: h\r\nX: \(pad)v\r\n\r\n", limits: limits).error
        #expect(e?.code == .headerTooLarge && e?.status == 431)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "v", count: 500), limits: limits) == .headerTooLarge)
        // Leading empty lines count, so they cannot be sent forever.
        #expect(requestError(String(repeating: "\r\n", count: 60), limits: limits) == .headerTooLarge)
    }

    /// More than maxHeaderCount fields is 431, also in trailers.
    @Test func headerCountLimit() {
        let limits = HTTP1Limits(maxHeaderCount: 3)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", limits: limits) == nil)
        let e = parseRequests("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits).error
        #expect(e?.code == .tooManyHeaders && e?.status == 431)
        let chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        #expect(requestError(chunked + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits) == nil)
        #expect(requestError(chunked + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits: limits) == .tooManyHeaders)
    }

    /// Content-Length above maxBodyBytes is 413 up front; chunked totals are checked as they grow.
    @Test func bodyLimit() {
        let limits = HTTP1Limits(maxBodyBytes: 10)
        #expect(requestError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits) == nil)
        let e = parseRequests("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits).error
        #expect(e?.code == .bodyTooLarge && e?.status == 413)
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(requestError(head + "5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n", limits: limits) == nil)
        let run = parseRequests(head + "5\r\n01234\r\n6\r\n567890\r\n0\r\n\r\n", limits: limits)
        #expect(run.error?.code == .bodyTooLarge)
        #expect(run.events.contains(.body(bytes("01234"))))
        #expect(requestError(head + "7fffffffffffffff\r\n", limits: HTTP1Limits(maxBodyBytes: .max)) == nil)
    }

    /// With a small header limit, the smaller bound decides, the same whole or split.
    @Test func competingLimits() {
        let limits = HTTP1Limits(maxRequestLineBytes: 10, maxHeaderBytes: 8)
        #expect(requestError("GET /aaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n", limits: limits) == .headerTooLarge)
        let limits2 = HTTP1Limits(maxRequestLineBytes: 10, maxHeaderBytes: 100)
        #expect(requestError("GET /aaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n", limits: limits2) == .uriTooLong)
    }
}

/// Incremental, zero-copy HTTP/1.1 response parser (RFC 9112) for the upstream side of the proxy.
///
/// Call `expectResponse(toMethod:)` before each response, then `next(_:)` until it returns no
/// event. 1xx heads (except 101) are reported as `.responseHead(_, .none)` without `.end`, and
/// parsing goes on with the final response. A 101, or a 2xx to CONNECT, ends the message at its
/// head: the connection then carries another protocol and must not be fed to this parser again.
public struct HTTP1ResponseParser: Sendable {
    enum RequestKind: Sendable { case head, connect, other }

    var decoder: HTTP1MessageDecoder
    let headRules: HTTP1SectionScanner.Rules
    var requestKind: RequestKind = .other
    /// A response was announced with `expectResponse` (or started arriving) and has not ended.
    var awaiting = false
    var eofSeen = false

    public init(limits: HTTP1Limits = HTTP1Limits(maxBodyBytes: .max)) {
        decoder = HTTP1MessageDecoder(limits: limits)
        headRules = HTTP1SectionScanner.Rules(
            skipLeadingEmptyLines: true, firstLineLimit: limits.maxRequestLineBytes, firstLineError: .headerTooLarge,
            maxBytes: limits.maxHeaderBytes, maxLines: limits.maxHeaderCount + 1, what: "response head")
    }

    public var limits: HTTP1Limits { decoder.limits }

    /// Call before each response with the request's method: HEAD answers have no body; a 2xx to CONNECT has none either.
    public mutating func expectResponse(toMethod method: String) {
        switch method {
        case "HEAD": requestKind = .head
        case "CONNECT": requestKind = .connect
        default: requestKind = .other
        }
        awaiting = true
    }

    /// Same contract as `HTTP1RequestParser.next(_:)`.
    public mutating func next(_ input: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> (consumed: Int, event: HTTP1ParserEvent?) {
        let limits = decoder.limits
        let kind = requestKind
        let endedBefore = decoder.messagesEnded
        let result = try decoder.next(input, headRules: headRules) { (b, s, e, fieldLimit) throws(HTTP1ParseError) in
            var (head, facts) = try HTTP1HeadParser.parseResponse(b, start: s, end: e, fieldLimit: fieldLimit)
            if facts.sawTransferEncoding && facts.sawContentLength {
                // Transfer-Encoding decides the framing; a Content-Length passed on beside the
                // decoded body would split the client's stream (RFC 9112 6.3: an intermediary
                // MUST remove it).
                head.headers.remove("content-length")
            }
            let status = head.status
            if status >= 100 && status < 200 && status != 101 {
                return .interim(.responseHead(head, .none))
            }
            let bodiless = status == 101 || status == 204 || status == 304 || kind == .head
                || (kind == .connect && status >= 200 && status < 300)
            let framing = bodiless ? .none : try facts.responseFraming(version: head.version, limits: limits)
            return .message(.responseHead(head, framing), framing)
        }
        // `.end` is told by the decoder's count: matching on the returned event copied it
        // (its head's references retained and released), ~700 instructions per response.
        if decoder.messagesEnded != endedBefore {
            awaiting = false
            requestKind = .other
        } else if case .some = result.event {
            // Matched without binding: `!= nil` copied the event too.
            awaiting = true
        }
        return result
    }

    /// The peer closed the connection. Returns `.end` when the body was delimited by close (or
    /// nothing was pending), throws `.truncated` if the message was cut, including a response
    /// announced with `expectResponse` of which no byte arrived (check `isIdle` first to tell
    /// that case apart, e.g. to retry on a fresh connection). Returns nil if called again.
    public mutating func finishAtEOF() throws(HTTP1ParseError) -> HTTP1ParserEvent? {
        if case .failed(let e) = decoder.state { throw e }
        if eofSeen { return nil }
        eofSeen = true
        switch decoder.state {
        case .untilClose:
            decoder.finishMessage()
            awaiting = false
            return .end
        case .head where decoder.isIdle && !awaiting:
            return .end
        case .head where decoder.isIdle:
            throw decoder.fail(HTTP1ParseError(.truncated, "connection closed before the response arrived"))
        case .head:
            throw decoder.fail(HTTP1ParseError(.truncated, "connection closed in the middle of a response head"))
        case .endPending, .contentLength(remaining: 0):
            // Only `.end` was left to report.
            decoder.finishMessage()
            awaiting = false
            return .end
        default:
            throw decoder.fail(HTTP1ParseError(.truncated, "connection closed in the middle of a response body"))
        }
    }

    /// True between messages with no partial bytes held.
    public var isIdle: Bool { decoder.isIdle }
}

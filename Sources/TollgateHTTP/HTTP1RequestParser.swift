/// Incremental, zero-copy HTTP/1.1 request parser (RFC 9112), strict wherever leniency could let
/// a request be read differently here than upstream (request smuggling).
///
/// Feed it bytes with `next(_:)` and act on the events; call again until it returns no event.
/// After `.end` it is ready for the next pipelined request.
public struct HTTP1RequestParser: Sendable {
    var decoder: HTTP1MessageDecoder
    let headRules: HTTP1SectionScanner.Rules

    public init(limits: HTTP1Limits = HTTP1Limits()) {
        decoder = HTTP1MessageDecoder(limits: limits)
        headRules = HTTP1SectionScanner.Rules(
            skipLeadingEmptyLines: true, firstLineLimit: limits.maxRequestLineBytes, firstLineError: .uriTooLong,
            maxBytes: limits.maxHeaderBytes, maxLines: limits.maxHeaderCount + 1, what: "request head")
    }

    public var limits: HTTP1Limits { decoder.limits }

    /// Parses from `input`. Returns the bytes consumed and at most one event. `event == nil` with
    /// `consumed == input.count` means "need more bytes". Partial head bytes are kept inside the
    /// parser across calls; body bytes are never copied (the `.body` range points into `input`).
    /// After `.end` the parser is ready for the next pipelined request; the caller decides when to continue.
    ///
    /// An event may be reported with bytes left over, or with none consumed (`.end`): keep calling
    /// with the rest until the event is nil. After a throw every later call throws the same error.
    public mutating func next(_ input: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> (consumed: Int, event: HTTP1ParserEvent?) {
        let limits = decoder.limits
        return try decoder.next(input, headRules: headRules) { (b, s, e, fieldLimit) throws(HTTP1ParseError) in
            let (head, framing) = try HTTP1HeadParser.parseRequest(b, start: s, end: e, limits: limits, fieldLimit: fieldLimit)
            return .message(.requestHead(head, framing), framing)
        }
    }

    /// True between messages with no partial bytes held.
    public var isIdle: Bool { decoder.isIdle }

    /// True once a parse error was thrown; the connection should answer `error.status` and close.
    public var hasFailed: Bool {
        if case .failed = decoder.state { return true }
        return false
    }
}

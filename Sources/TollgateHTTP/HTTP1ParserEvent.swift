/// One step of progress reported by `HTTP1RequestParser` or `HTTP1ResponseParser`.
public enum HTTP1ParserEvent: Sendable, Equatable {
    case requestHead(HTTPRequestHead, HTTP1BodyFraming)
    /// 1xx heads (other than 101) arrive as their own event with framing `.none`, not followed
    /// by `.end`: the parser then continues with the final response.
    case responseHead(HTTPResponseHead, HTTP1BodyFraming)
    /// Body bytes: a range inside the `input` buffer given to this very call (zero copy).
    case body(Range<Int>)
    /// Chunked trailers, if any (emitted before `.end`).
    case trailers(HTTPHeaders)
    /// The message is complete.
    case end
}

/// How the body of a parsed HTTP/1.x message is delimited on the wire.
public enum HTTP1BodyFraming: Sendable, Equatable {
    /// No body at all (GET without Content-Length, 204, 304, HEAD answers, 1xx).
    case none
    /// Exactly this many bytes follow the head.
    case contentLength(Int64)
    /// A chunked body, possibly followed by trailers.
    case chunked
    /// Responses only: the body runs until the server closes the connection.
    case untilClose
}

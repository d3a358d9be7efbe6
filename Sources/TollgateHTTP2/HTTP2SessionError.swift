internal import CNghttp2

/// A connection-level failure: the nghttp2 library error code and its `nghttp2_strerror` text.
/// When the session itself decided the connection is broken, `goAwayCode` is the HTTP/2 error
/// code of the GOAWAY it queued (the caller flushes `takeOutput` and closes).
public struct HTTP2SessionError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    /// The error code of the GOAWAY queued because of this error, if one was.
    public var goAwayCode: HTTP2ErrorCode?

    public init(code: Int32, message: String, goAwayCode: HTTP2ErrorCode? = nil) {
        self.code = code
        self.message = message
        self.goAwayCode = goAwayCode
    }

    /// An error for an nghttp2 return value, with the library's own text.
    init(nghttp2 code: Int, detail: String? = nil, goAwayCode: HTTP2ErrorCode? = nil) {
        let c = Int32(truncatingIfNeeded: code)
        var text = String(cString: nghttp2_strerror(c))
        if let detail, !detail.isEmpty { text += ": " + detail }
        self.init(code: c, message: text, goAwayCode: goAwayCode)
    }

    public var description: String {
        if let goAwayCode { return "HTTP/2 session error \(code) (\(message)), GOAWAY \(goAwayCode)" }
        return "HTTP/2 session error \(code) (\(message))"
    }
}

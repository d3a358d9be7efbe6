import TollgateHTTP

/// The downstream half of one request: an HTTP/1.1 connection's current request or one
/// HTTP/2 stream. All calls happen on the owning loop.
protocol DownstreamStream: AnyObject {
    /// Index into `MetricsShard.protocols`.
    var protocolIndex: Int { get }
    var isTLS: Bool { get }
    var clientIP: String? { get }
    /// `endStream`: no body follows (HEAD answers, 204, 304, empty bodies).
    func sendResponseHead(_ head: HTTPResponseHead, endStream: Bool)
    func sendResponseBody(_ bytes: UnsafeRawBufferPointer)
    func sendResponseEnd(trailers: HTTPHeaders?)
    /// Ends the response abnormally: the client must see it cut, never a clean end.
    func abortResponse()
    var responseBufferedBytes: Int { get }
    func pauseRequestBody()
    func resumeRequestBody()
    /// Brackets the handling of one upstream read: writes in between leave together.
    func cork()
    func uncork()
    /// Sends what is queued now, inside a cork too: a stream's first event is the client's
    /// time to first token and must not wait for the rest of the upstream read to be processed.
    func sendNow()
}

/// The upstream half of one request: an HTTP/1.1 upstream connection or one HTTP/2 stream.
protocol UpstreamStream: AnyObject {
    func sendRequestBody(_ bytes: UnsafeRawBufferPointer)
    func sendRequestEnd()
    /// Abandons the request (client went away): closes the connection or resets the stream.
    func cancel()
    var requestBufferedBytes: Int { get }
    func pauseResponseBody()
    func resumeResponseBody()
}

/// How the request body is framed, as far as the upstream needs to know.
enum RequestBodyShape: Equatable {
    case none
    case length(Int64)
    case streaming
}

/// Bytes buffered in one direction before the producer is paused.
enum FlowLimits {
    static let highWater = 256 * 1024
}

import TollgateHTTP

/// Whoever a pooled upstream request reports to: a `ProxyExchange` (a client's request), or an
/// in-process caller such as the MCP aggregator that issues requests of its own. The upstream
/// connections call these on the loop, never re-entrantly from inside their own writes.
protocol UpstreamClient: AnyObject {
    /// The downstream whose writes are corked while one upstream read is handled, if any.
    var downstream: (any DownstreamStream)? { get }
    func upstreamAttached(_ up: any UpstreamStream)
    func upstreamDrained()
    func upstreamResponseHead(_ head: consuming HTTPResponseHead, endStream: Bool)
    func upstreamResponseBody(_ bytes: UnsafeRawBufferPointer)
    func upstreamResponseEnd(trailers: HTTPHeaders?)
    func upstreamFailed(_ error: ProxyError)
    /// Whether `upstreamAttached` on another stream would send the whole request body again
    /// (bodiless, or the body kept whole): an upstream that refused the request unprocessed
    /// (HTTP/2 GOAWAY or REFUSED_STREAM) may then be asked once more.
    var canReplayRequest: Bool { get }
}

import TollgateHTTP

/// Receives what an `HTTP2Session` decodes. Every method is called synchronously from inside
/// `receive` or `takeOutput`; the delegate may call any send*, `resetStream`, `consume` or
/// `goAway` method of the session from inside, but never `receive` or `takeOutput`.
public protocol HTTP2SessionDelegate: AnyObject {
    /// Server role: a complete request header block. For HTTP/2 the request's `target` is :path,
    /// `method` :method, and :authority is put into the headers as "host" (first); `version` is
    /// .http2. Pseudo-headers are not in `headers`. When `endStream` is true,
    /// `didReceiveEndStream` follows.
    func http2Session(_ session: HTTP2Session, didReceiveRequest head: HTTPRequestHead, scheme: String, streamID: Int32, endStream: Bool)
    /// Client role: a response header block. 1xx informational heads are delivered too (then the
    /// final head follows).
    func http2Session(_ session: HTTP2Session, didReceiveResponse head: HTTPResponseHead, streamID: Int32, endStream: Bool)
    /// DATA payload (padding excluded). `bytes` is only valid during the call. The receive window
    /// only reopens once these bytes are passed to `consume` (also after the stream closed).
    func http2Session(_ session: HTTP2Session, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32)
    /// A trailer header block (END_STREAM follows/implied).
    func http2Session(_ session: HTTP2Session, didReceiveTrailers trailers: HTTPHeaders, streamID: Int32)
    /// The peer ended its side of the stream (END_STREAM seen after head/data/trailers).
    func http2Session(_ session: HTTP2Session, didReceiveEndStream streamID: Int32)
    /// The stream is closed (normally, by RST_STREAM either way, or by GOAWAY). Called exactly
    /// once per stream that was reported to the delegate.
    func http2Session(_ session: HTTP2Session, streamDidClose streamID: Int32, errorCode: HTTP2ErrorCode)
    /// GOAWAY received.
    func http2Session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode)
    /// The outbound queue of `streamID` fell to zero bytes buffered after having held data (so
    /// the producer may resume: backpressure). Reported after the frames are serialized, from
    /// `takeOutput`; not reported for a stream that closed meanwhile.
    func http2Session(_ session: HTTP2Session, didDrainOutbound streamID: Int32)
}

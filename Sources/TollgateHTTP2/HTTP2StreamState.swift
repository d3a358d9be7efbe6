import TollgateHTTP

/// Per-stream bookkeeping. Owned only by `HTTP2Session.streams`, keyed by stream id: created
/// when the stream starts (request HEADERS begin on a server, `sendRequestHead` on a client)
/// and removed in nghttp2's on_stream_close. nghttp2's stream user data is never used, so no
/// pointer can outlive the stream: a late callback finds no entry and does nothing.
///
/// A closed stream's object nobody else holds is kept by the session for the next stream
/// (`reuse`), saving an allocation and a deinit (~250 instructions) per stream.
final class HTTP2StreamState {
    private(set) var id: Int32
    /// The delegate knows this stream (request delivered, or the client opened it), so it is
    /// owed exactly one `streamDidClose`.
    var reported = false

    // Inbound (the header block being received is the session's `inbound`).
    /// Server: the request head was delivered. Client: the final (non-1xx) response head was.
    var headReceived = false

    // Outbound.
    var outbound = HTTP2OutboundBuffer()
    /// The data provider returned NGHTTP2_ERR_DEFERRED for want of bytes; more bytes (or the
    /// end) must call nghttp2_session_resume_data.
    var deferred = false
    /// Server: the final response head was submitted.
    var headSent = false
    /// END_STREAM is wanted once `outbound` is empty (after `trailers`, if any).
    var endQueued = false
    var trailers: HTTPHeaders?
    /// The outbound queue held bytes since it was last reported empty.
    var heldData = false
    /// We reset the stream with this code; nothing more is sent on it.
    var resetCode: HTTP2ErrorCode?
    /// Server: answered before the request ended; once END_STREAM is out, RST_STREAM(NO_ERROR)
    /// asks the client to stop sending (RFC 9113 8.1).
    var stopPeerAfterEnd = false
    /// Server: the request rules' state after the stream's last header block (trailers and
    /// DATA are checked against it).
    var rules = HTTP2RequestRules()

    /// The next object in the session's list of spare ones.
    var nextSpare: HTTP2StreamState?

    init(id: Int32) { self.id = id }

    /// Makes a spare object the state of the new stream `id`, as if just created.
    func reuse(id: Int32) {
        self.id = id
        reported = false
        headReceived = false
        if !outbound.isEmpty { outbound.removeAll() }
        deferred = false
        headSent = false
        endQueued = false
        trailers = nil
        heldData = false
        resetCode = nil
        stopPeerAfterEnd = false
        rules = HTTP2RequestRules()
    }

    /// Whether new outbound content may still be queued.
    var acceptsOutbound: Bool { !endQueued && resetCode == nil }
}

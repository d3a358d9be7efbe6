internal import CNghttp2
import TollgateHTTP

// Outbound side: heads go straight to nghttp2's submit API; bodies are copied into the
// stream's outbound queue and pulled by the data provider as flow control allows. Every method
// here may run inside a delegate callback (the submit API is reentrant-safe); none calls
// mem_send or mem_recv.

extension HTTP2Session {
    // MARK: Server role

    /// Submits a response head. 1xx heads go out as non-final HEADERS. Hop-by-hop and
    /// connection-specific fields are dropped and names lowercased, since HTTP/2 forbids them.
    public func sendResponseHead(_ head: HTTPResponseHead, streamID: Int32, endStream: Bool) {
        guard role == .server, let session, let s = streams[streamID], s.resetCode == nil, !s.headSent else { return }
        outboundHeaders.removeAll()
        outboundHeaders.appendStatus(head.status)
        outboundHeaders.appendRegular(head.headers, allowTETrailers: false)

        if head.isInformational {
            _ = outboundHeaders.withNVArray { nva, count in
                nghttp2_submit_headers(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, nil, nva, count, nil)
            }
            return
        }
        s.headSent = true
        if endStream { s.endQueued = true }
        // The head's bytes are handed over uncopied, unless heads nghttp2 has not sent yet
        // already hold a lot of memory (a peer that does not read while streams keep answering).
        let uncopied = outboundHeaders.heldBytes <= Self.maxUncopiedHeaderBytes
        if s.endQueued && s.outbound.isEmpty && s.trailers == nil {
            _ = submitResponse(session, streamID, provider: nil, uncopied: uncopied)
        } else {
            var provider = Self.dataProvider
            _ = submitResponse(session, streamID, provider: &provider, uncopied: uncopied)
        }
    }

    static let maxUncopiedHeaderBytes = 64 * 1024

    private func submitResponse(_ session: OpaquePointer, _ streamID: Int32, provider: UnsafePointer<nghttp2_data_provider>?, uncopied: Bool) -> Int32 {
        if uncopied {
            return outboundHeaders.withUncopiedNVArray { nva, count in nghttp2_submit_response(session, streamID, nva, count, provider) }
        }
        return outboundHeaders.withNVArray { nva, count in nghttp2_submit_response(session, streamID, nva, count, provider) }
    }

    // MARK: Client role

    /// Opens a stream with a request head and returns its id. :authority is the `host` header if
    /// present, else `authority`; `host` itself is not sent as a regular field. CONNECT carries
    /// only :method and :authority.
    public func sendRequestHead(_ head: HTTPRequestHead, scheme: String, authority: String, endStream: Bool) throws(HTTP2SessionError) -> Int32 {
        guard let session else { throw HTTP2SessionError(nghttp2: Int(NGHTTP2_ERR_NOMEM.rawValue)) }
        guard role == .client else {
            throw HTTP2SessionError(nghttp2: Int(NGHTTP2_ERR_INVALID_STATE.rawValue), detail: "requests are sent by the client role")
        }
        if let failure { throw failure }
        guard shutdown == .none, nghttp2_session_check_request_allowed(session) != 0 else {
            throw HTTP2SessionError(nghttp2: Int(NGHTTP2_ERR_START_STREAM_NOT_ALLOWED.rawValue))
        }
        var fields = HTTP2OutboundHeaders()
        let isConnect = head.method == "CONNECT"
        fields.appendPseudo(":method", head.method)
        if !isConnect { fields.appendPseudo(":scheme", scheme) }
        fields.appendPseudo(":authority", head.headers["host"] ?? authority)
        if !isConnect { fields.appendPseudo(":path", head.target.isEmpty ? "/" : head.target) }
        fields.appendRegular(head.headers, allowTETrailers: true)

        let id: Int32
        if endStream {
            id = fields.withNVArray { nva, count in nghttp2_submit_request(session, nil, nva, count, nil, nil) }
        } else {
            var provider = Self.dataProvider
            id = fields.withNVArray { nva, count in nghttp2_submit_request(session, nil, nva, count, &provider, nil) }
        }
        guard id > 0 else { throw HTTP2SessionError(nghttp2: Int(id)) }
        let s = makeStreamState(id: id)
        s.reported = true
        s.endQueued = endStream
        streams[id] = s
        reportedStreamCount += 1
        return id
    }

    // MARK: Both roles

    /// Copies `bytes` into the stream's outbound queue; the data provider sends them as flow
    /// control allows. Watch `outboundBufferedBytes` and `didDrainOutbound` for backpressure.
    public func sendData(_ bytes: UnsafeRawBufferPointer, streamID: Int32, endStream: Bool) {
        guard let s = streams[streamID], s.acceptsOutbound else { return }
        if !bytes.isEmpty {
            s.outbound.append(bytes)
            s.heldData = true
        }
        if endStream { s.endQueued = true }
        resumeIfDeferred(s)
    }

    /// END_STREAM after what is queued.
    public func sendEndStream(streamID: Int32) {
        guard let s = streams[streamID], s.acceptsOutbound else { return }
        s.endQueued = true
        resumeIfDeferred(s)
    }

    /// Trailers after the queued data; they end the stream.
    public func sendTrailers(_ trailers: HTTPHeaders, streamID: Int32) {
        guard let s = streams[streamID], s.acceptsOutbound else { return }
        if trailers.count > 0 { s.trailers = trailers }
        s.endQueued = true
        resumeIfDeferred(s)
    }

    /// RST_STREAM with `errorCode`; queued outbound bytes are dropped. The delegate still gets
    /// `streamDidClose` (with this code) once the reset is sent.
    public func resetStream(_ streamID: Int32, errorCode: HTTP2ErrorCode) {
        guard let session, let s = streams[streamID], s.resetCode == nil else { return }
        s.resetCode = errorCode
        s.outbound.removeAll()
        s.trailers = nil
        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode.rawValue)
    }

    /// Server: the response is complete (or will be) while the request is not. After the
    /// response's END_STREAM has been sent, RST_STREAM(NO_ERROR) tells the client to stop
    /// sending the rest of the request (RFC 9113 8.1); sent earlier, it would overtake the
    /// response's queued DATA. Without it the client's half of the stream stays open and
    /// counts against the concurrent-stream limit until the client ends its body.
    public func stopPeerAfterResponse(_ streamID: Int32) {
        guard role == .server, let s = streams[streamID], s.resetCode == nil, !s.stopPeerAfterEnd else { return }
        s.stopPeerAfterEnd = true
        stopPeerStreamCount += 1
    }

    /// Bytes queued on the stream and not yet handed to nghttp2.
    public func outboundBufferedBytes(streamID: Int32) -> Int {
        streams[streamID]?.outbound.count ?? 0
    }

    /// The application has processed `count` bytes of DATA on the stream: nghttp2 may reopen
    /// the stream and connection windows (WINDOW_UPDATE). Call it for every delivered byte, also
    /// after the stream closed, or the connection window shrinks for good.
    public func consume(streamID: Int32, count: Int) {
        guard let session, count > 0, streamID > 0 else { return }
        // Updates the connection window even when the stream is gone.
        _ = nghttp2_session_consume(session, streamID, count)
    }

    func resumeIfDeferred(_ s: HTTP2StreamState) {
        guard s.deferred, let session else { return }
        s.deferred = false
        _ = nghttp2_session_resume_data(session, s.id)
    }

    // MARK: Data provider

    /// Fills a DATA frame from the stream's queue. Returns NGHTTP2_ERR_DEFERRED when the queue
    /// is empty and the stream not ended (resumed by the next send*), and sets EOF (plus
    /// NO_END_STREAM and submits the trailers, as nghttp2 documents) once it is drained and ended.
    func readOutbound(streamID: Int32, into buffer: UnsafeMutablePointer<UInt8>, length: Int, flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let session, let s = streams[streamID], s.resetCode == nil else {
            return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        if controlOnly && (!s.outbound.isEmpty || s.endQueued) {
            pausedByControlFlush.append(streamID)
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        let n = s.outbound.read(into: buffer, max: length)
        if s.outbound.isEmpty {
            if s.heldData {
                s.heldData = false
                drainedStreams.append(streamID)
            }
            if s.endQueued {
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
                if let t = s.trailers {
                    var trailers = HTTP2OutboundHeaders()
                    trailers.appendRegular(t, allowTETrailers: false)
                    if !trailers.isEmpty {
                        s.trailers = nil
                        let rv = trailers.withNVArray { nva, count in nghttp2_submit_trailer(session, streamID, nva, count) }
                        if rv == 0 { flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue }
                    }
                }
                return n
            }
            if n == 0 {
                s.deferred = true
                return Int(NGHTTP2_ERR_DEFERRED.rawValue)
            }
        }
        return n
    }
}

internal import CNghttp2
import TollgateHTTP

// nghttp2 callbacks. Each is a captureless C function that recovers the session from
// user_data and hands over to a method at once, without a retain/release pair: the session is
// alive throughout, since nghttp2 calls back only from inside calls the session makes. Nothing here throws across C: failures become
// nghttp2 return codes (NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE resets just the stream).

@inline(__always)
private func owner(_ userData: UnsafeMutableRawPointer?) -> Unmanaged<HTTP2Session> {
    Unmanaged<HTTP2Session>.fromOpaque(userData!)
}

private func onBeginHeaders(
    _ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    owner(userData)._withUnsafeGuaranteedRef { $0.handleBeginHeaders(frame!) }
}

private func onHeader(
    _ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?,
    _ name: UnsafePointer<UInt8>?, _ nameLength: Int, _ value: UnsafePointer<UInt8>?, _ valueLength: Int,
    _ flags: UInt8, _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    owner(userData)._withUnsafeGuaranteedRef { $0.handleHeader(
        frame!, name: UnsafeBufferPointer(start: name, count: nameLength),
        value: UnsafeBufferPointer(start: value, count: valueLength)) }
}

private func onFrameRecv(
    _ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    owner(userData)._withUnsafeGuaranteedRef { $0.handleFrameRecv(frame!) }
}

private func onDataChunkRecv(
    _ session: OpaquePointer?, _ flags: UInt8, _ streamID: Int32,
    _ data: UnsafePointer<UInt8>?, _ length: Int, _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    owner(userData)._withUnsafeGuaranteedRef { $0.handleDataChunk(streamID: streamID, UnsafeRawBufferPointer(start: data, count: length)) }
}

private func onStreamClose(
    _ session: OpaquePointer?, _ streamID: Int32, _ errorCode: UInt32, _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    owner(userData)._withUnsafeGuaranteedRef { $0.handleStreamClose(streamID: streamID, errorCode: errorCode) }
}

private func onFrameSend(
    _ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    owner(userData)._withUnsafeGuaranteedRef { $0.handleFrameSend(frame!) }
}

private func onFrameNotSend(
    _ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ libErrorCode: Int32,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    owner(userData)._withUnsafeGuaranteedRef { $0.handleFrameNotSend(frame!, libErrorCode: libErrorCode) }
}

private func onError(
    _ session: OpaquePointer?, _ libErrorCode: Int32, _ message: UnsafePointer<CChar>?, _ length: Int,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    let text = message.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) } ?? ""
    owner(userData)._withUnsafeGuaranteedRef { $0.lastLibraryError = (libErrorCode, text) }
    return 0
}

/// The data provider's read callback, shared by every stream we send a body on.
private func onDataSourceRead(
    _ session: OpaquePointer?, _ streamID: Int32, _ buffer: UnsafeMutablePointer<UInt8>?, _ length: Int,
    _ dataFlags: UnsafeMutablePointer<UInt32>?, _ source: UnsafeMutablePointer<nghttp2_data_source>?,
    _ userData: UnsafeMutableRawPointer?
) -> Int {
    owner(userData)._withUnsafeGuaranteedRef { $0.readOutbound(streamID: streamID, into: buffer!, length: length, flags: dataFlags!) }
}

extension HTTP2Session {
    static func installCallbacks(_ cb: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(cb, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(cb, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb, onFrameRecv)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, onDataChunkRecv)
        nghttp2_session_callbacks_set_on_stream_close_callback(cb, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_send_callback(cb, onFrameSend)
        nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, onFrameNotSend)
        nghttp2_session_callbacks_set_error_callback2(cb, onError)
    }

    /// The provider for every body we send: bytes come from the stream's outbound queue.
    static var dataProvider: nghttp2_data_provider {
        nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: onDataSourceRead)
    }

    static let endStreamFlag = UInt8(NGHTTP2_FLAG_END_STREAM.rawValue)

    func handleBeginHeaders(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let id = frame.pointee.hd.stream_id
        if role == .server && frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST {
            streams[id] = makeStreamState(id: id)
            if checksRequests {
                inboundRules = HTTP2RequestRules()
                inboundIsTrailers = false
            }
        } else if let s = streams[id] {
            if checksRequests {
                inboundRules = s.rules
                inboundIsTrailers = true
            }
        } else {
            inboundStreamID = 0  // a stream we do not know: its fields are ignored
            return 0
        }
        inbound.reset()
        inboundStreamID = id
        return 0
    }

    func handleHeader(_ frame: UnsafePointer<nghttp2_frame>, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard frame.pointee.hd.stream_id == inboundStreamID, inboundStreamID != 0 else { return 0 }
        if checksRequests {
            switch inboundRules.check(name: name, value: value, trailer: inboundIsTrailers, streamID: inboundStreamID) {
            case .accept:
                break
            case .reject:
                // As nghttp2 does: RST_STREAM PROTOCOL_ERROR, and the rest of the block is
                // skipped (its own INTERNAL_ERROR reset for the failure is not sent once ours is
                // queued).
                inbound.reset()
                resetStream(inboundStreamID, errorCode: .protocolError)
                inboundStreamID = 0
                return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
            }
        }
        // nghttp2 advertises SETTINGS_MAX_HEADER_LIST_SIZE but does not enforce it; we do, so a
        // peer cannot make us hold more than that per stream.
        if !inbound.add(name: name, value: value, limit: Int(settings.maxHeaderListSize)) {
            inbound.reset()
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
        }
        return 0
    }

    func handleFrameRecv(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let hd = frame.pointee.hd
        let endStream = hd.flags & Self.endStreamFlag != 0
        switch UInt32(hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            // Once we reset a stream, frames the peer sent before seeing the reset are dropped.
            guard let s = streams[hd.stream_id], s.resetCode == nil else { return 0 }
            if checksRequests && inboundStreamID == s.id {
                let valid = s.headReceived
                    ? inboundRules.trailersComplete(endStream: endStream)
                    : inboundRules.requestComplete(endStream: endStream)
                s.rules = inboundRules
                guard valid else {
                    inboundStreamID = 0
                    resetStream(s.id, errorCode: .protocolError)
                    return 0
                }
            }
            deliverHeaderBlock(s, endStream: endStream)
            if endStream, isLive(hd.stream_id) {
                notify { $0.http2Session(self, didReceiveEndStream: hd.stream_id) }
            }
        case NGHTTP2_DATA.rawValue:
            // The request ends with as many bytes as its content-length said.
            if endStream, checksRequests, let s = streams[hd.stream_id], s.resetCode == nil, !s.rules.endMatchesLength {
                resetStream(s.id, errorCode: .protocolError)
                return 0
            }
            if endStream, isLive(hd.stream_id) {
                notify { $0.http2Session(self, didReceiveEndStream: hd.stream_id) }
            }
        case NGHTTP2_GOAWAY.rawValue:
            let g = frame.pointee.goaway
            notify { $0.http2Session(self, didReceiveGoAway: g.last_stream_id, errorCode: Self.errorCode(g.error_code)) }
        case NGHTTP2_PING.rawValue:
            if hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0, shutdown == .awaitingPingAck {
                let matches = withUnsafeBytes(of: frame.pointee.ping.opaque_data) { Array($0) == Self.shutdownPingPayload }
                if matches { submitFinalGoAway() }
            }
        default:
            break
        }
        return 0
    }

    /// The delegate knows the stream and has not reset it.
    func isLive(_ id: Int32) -> Bool {
        guard let s = streams[id] else { return false }
        return s.reported && s.resetCode == nil
    }

    /// A complete header block: the request (server), a response head (client; 1xx heads come
    /// first, then the final one) or trailers.
    func deliverHeaderBlock(_ s: HTTP2StreamState, endStream: Bool) {
        // The block is the session's `inbound` (reused, so it costs no allocation), or empty
        // when the fields were not collected for this stream.
        if inboundStreamID == s.id {
            inboundStreamID = 0
        } else {
            inbound.reset()
        }
        let id = s.id
        if s.headReceived {
            let trailers = inbound.takeTrailers()
            if s.reported { notify { $0.http2Session(self, didReceiveTrailers: trailers, streamID: id) } }
            return
        }
        switch role {
        case .server:
            s.headReceived = true
            s.reported = true
            reportedStreamCount += 1
            let (head, scheme) = inbound.takeRequestHead()
            notify { $0.http2Session(self, didReceiveRequest: head, scheme: scheme, streamID: id, endStream: endStream) }
        case .client:
            guard let head = inbound.takeResponseHead() else { return }
            if !head.isInformational { s.headReceived = true }
            notify { $0.http2Session(self, didReceiveResponse: head, streamID: id, endStream: endStream) }
        }
    }

    func handleDataChunk(streamID: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        // DATA past the request's content-length resets the stream; like nghttp2, the bytes
        // count as consumed for the connection only.
        if checksRequests, let s = streams[streamID], s.resetCode == nil, !s.rules.received(bytes.count) {
            resetStream(streamID, errorCode: .protocolError)
            if let session { _ = nghttp2_session_consume_connection(session, bytes.count) }
            return 0
        }
        // The delegate is loaded once (each weak load cost a runtime call and a release).
        if isLive(streamID), let delegate = owner ?? delegate {
            delegateDepth += 1
            defer { delegateDepth -= 1 }
            delegate.http2Session(self, didReceiveData: bytes, streamID: streamID)
        } else if let session {
            // Nobody will consume these bytes: acknowledge them now or the window leaks.
            _ = nghttp2_session_consume(session, streamID, bytes.count)
        }
        return 0
    }

    func handleStreamClose(streamID: Int32, errorCode: UInt32) -> Int32 {
        guard var s = streams.removeValue(forKey: streamID) else { return 0 }
        if s.stopPeerAfterEnd { stopPeerStreamCount -= 1 }
        if s.reported {
            reportedStreamCount -= 1
            notify { $0.http2Session(self, streamDidClose: streamID, errorCode: Self.errorCode(errorCode)) }
        }
        if spareStreamCount < 16 && isKnownUniquelyReferenced(&s) {
            s.nextSpare = spareStreams
            spareStreams = s
            spareStreamCount += 1
        }
        return 0
    }

    /// A spare stream object made the new stream's, or a new one.
    func makeStreamState(id: Int32) -> HTTP2StreamState {
        guard let s = spareStreams else { return HTTP2StreamState(id: id) }
        spareStreams = s.nextSpare
        s.nextSpare = nil
        spareStreamCount -= 1
        s.reuse(id: id)
        return s
    }

    func handleFrameSend(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let hd = frame.pointee.hd
        if hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 {
            if stopPeerStreamCount > 0, let s = streams[hd.stream_id], s.stopPeerAfterEnd, let session {
                s.stopPeerAfterEnd = false
                stopPeerStreamCount -= 1
                if nghttp2_session_get_stream_remote_close(session, hd.stream_id) == 0 {
                    s.resetCode = .noError
                    _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), hd.stream_id, HTTP2ErrorCode.noError.rawValue)
                }
            }
            return 0
        }
        guard UInt32(hd.type) == NGHTTP2_GOAWAY.rawValue else { return 0 }
        let g = frame.pointee.goaway
        if let i = ownGoAwayCodes.firstIndex(of: g.error_code) {
            ownGoAwayCodes.remove(at: i)
        } else if g.error_code != HTTP2ErrorCode.noError.rawValue, detectedConnectionError == nil {
            let reason = g.opaque_data.map { String(decoding: UnsafeBufferPointer(start: $0, count: g.opaque_data_len), as: UTF8.self) } ?? ""
            detectedConnectionError = (Self.errorCode(g.error_code), reason)
        }
        return 0
    }

    func handleFrameNotSend(_ frame: UnsafePointer<nghttp2_frame>, libErrorCode: Int32) -> Int32 {
        let hd = frame.pointee.hd
        switch UInt32(hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            // A request that never went out (GOAWAY received, reset before sending, stream ids
            // exhausted) never becomes an nghttp2 stream, so on_stream_close will not come.
            guard let session, let s = streams[hd.stream_id], nghttp2_session_find_stream(session, hd.stream_id) == nil else { return 0 }
            streams[hd.stream_id] = nil
            if s.reported {
                reportedStreamCount -= 1
                let code = s.resetCode ?? .refusedStream
                notify { $0.http2Session(self, streamDidClose: hd.stream_id, errorCode: code) }
            }
        case NGHTTP2_GOAWAY.rawValue:
            if let i = ownGoAwayCodes.firstIndex(of: frame.pointee.goaway.error_code) { ownGoAwayCodes.remove(at: i) }
        default:
            break
        }
        return 0
    }
}

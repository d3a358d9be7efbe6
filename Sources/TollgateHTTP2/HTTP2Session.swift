internal import CNghttp2
import TollgateHTTP

/// An HTTP/2 connection endpoint (server or client) over nghttp2 that works on bytes only: the
/// caller feeds received bytes to `receive` and writes what `takeOutput` produces.
///
/// Ownership and reentrancy: the nghttp2 session belongs to this object (freed in deinit) and
/// gets `self` unretained as user data, which is safe because nghttp2 only calls back from
/// inside `receive`, `takeOutput` and the submit calls this object makes. Delegate methods run
/// synchronously inside those calls and may call every send*/reset/consume/goAway method (they
/// only queue work with nghttp2's submit API, which is allowed in callbacks); `receive` and
/// `takeOutput` are refused while nghttp2 or the delegate is on the stack.
public final class HTTP2Session {
    public enum Role: Sendable { case server, client }

    public let role: Role
    public let settings: HTTP2Settings
    public weak var delegate: (any HTTP2SessionDelegate)?
    /// A delegate that owns this session and is called without a weak reference, for the data
    /// plane's server connection: a weak reference gives the object a side table, which made
    /// every retain and release of it a slow runtime path (plus a weak load per callback).
    /// Set it only from an object that owns the session and calls `receive`, `takeOutput`,
    /// `closeAllStreams` and `goAway` only from its own methods, so it is alive whenever the
    /// session calls it. Takes precedence over `delegate`.
    public unowned(unsafe) var owner: (any HTTP2SessionDelegate)?

    /// The nghttp2_session. Set once in init; nil only if nghttp2 could not allocate one.
    var session: OpaquePointer?
    /// nghttp2's allocator for this session; outlives it (stored properties go after deinit).
    let memory = HTTP2SessionMemory()
    var streams = HTTP2StreamTable()
    /// Objects of closed streams kept for new ones (linked through `nextSpare`).
    var spareStreams: HTTP2StreamState?
    var spareStreamCount = 0
    /// Scratch for the header blocks we submit (nghttp2 copies them during the submit call).
    var outboundHeaders = HTTP2OutboundHeaders()
    var reportedStreamCount = 0
    /// Streams with `stopPeerAfterEnd` set: frames sent look streams up only while any are.
    var stopPeerStreamCount = 0
    /// The header block being received and its stream (0: none). Blocks never interleave on a
    /// connection (RFC 9113 section 4.3: CONTINUATION follows at once), so one serves every
    /// stream, and a field costs no stream lookup.
    var inbound = HTTP2InboundHeaders()
    var inboundStreamID: Int32 = 0
    /// Server: the request rules for the block being received, and whether it is trailers.
    var inboundRules = HTTP2RequestRules()
    var inboundIsTrailers = false
    /// Server sessions check requests themselves (`HTTP2RequestRules`) instead of nghttp2.
    let checksRequests: Bool

    /// Frames already serialized by `receive` (see `flushControlFrames`), handed out first by
    /// the next `takeOutput`.
    var pendingOutput: [UInt8] = []
    /// Streams whose outbound queue emptied during the last mem_send; reported afterwards so
    /// the delegate never runs inside a data provider.
    var drainedStreams: [Int32] = []
    /// While true, data providers defer instead of producing DATA (control-frame flush).
    var controlOnly = false
    var pausedByControlFlush: [Int32] = []

    /// nghttp2_session_mem_recv / mem_send is on the stack.
    var inNghttp2 = false
    /// A delegate method is on the stack.
    var delegateDepth = 0

    /// Error codes of GOAWAY frames we submitted that have not gone out yet. A GOAWAY with an
    /// error that is not ours was queued by nghttp2 itself: a connection error.
    var ownGoAwayCodes: [UInt32] = []
    /// A GOAWAY nghttp2 sent on its own, with its debug text.
    var detectedConnectionError: (code: HTTP2ErrorCode, reason: String)?
    /// The last library error nghttp2 reported through its error callback during `receive`.
    var lastLibraryError: (code: Int32, message: String)?
    /// The error `receive` threw; the session is dead after it.
    var failure: HTTP2SessionError?
    var shutdown = ShutdownState.none

    enum ShutdownState { case none, awaitingPingAck, finalGoAwaySubmitted }

    /// PING payload of the graceful-shutdown round trip.
    static let shutdownPingPayload: [UInt8] = Array("tgshutdn".utf8)

    /// Submits our SETTINGS (and the connection WINDOW_UPDATE). The client's connection preface
    /// is produced by nghttp2 on the first `takeOutput`.
    public convenience init(role: Role, settings: HTTP2Settings = HTTP2Settings()) {
        self.init(role: role, settings: settings, libraryChecksRequests: false)
    }

    /// `libraryChecksRequests`: a server leaves the HTTP messaging checks to nghttp2 (the
    /// reference the tests compare `HTTP2RequestRules` with).
    init(role: Role, settings: HTTP2Settings, libraryChecksRequests: Bool) {
        self.role = role
        self.settings = settings
        checksRequests = role == .server && !libraryChecksRequests

        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else { return }
        defer { nghttp2_session_callbacks_del(callbacks) }
        Self.installCallbacks(callbacks)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else { return }
        defer { nghttp2_option_del(option) }
        // consume() is the only thing that reopens receive windows: a proxy acknowledges bytes
        // once forwarded, so a slow reader throttles a fast writer.
        nghttp2_option_set_no_auto_window_update(option, 1)
        // A server checks requests itself, with nghttp2's rules (HTTP2RequestRules); a client
        // keeps nghttp2's response checks.
        if checksRequests { nghttp2_option_set_no_http_messaging(option, 1) }
        // Closed streams are kept only to rebuild RFC 7540 priority trees, which a proxy does
        // not honour; keeping them cost an allocation and a tree update per request.
        nghttp2_option_set_no_closed_streams(option, 1)

        let user = Unmanaged.passUnretained(self).toOpaque()
        var s: OpaquePointer?
        var mem = memory.nghttp2Mem
        let rv: Int32
        switch role {
        case .server: rv = nghttp2_session_server_new3(&s, callbacks, user, option, &mem)
        case .client: rv = nghttp2_session_client_new3(&s, callbacks, user, option, &mem)
        }
        guard rv == 0, let s else { return }
        session = s

        var iv: [nghttp2_settings_entry] = [
            .init(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: settings.maxConcurrentStreams),
            .init(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: settings.initialStreamWindowSize),
            .init(settings_id: Int32(NGHTTP2_SETTINGS_MAX_FRAME_SIZE.rawValue), value: settings.maxFrameSize),
            .init(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: settings.maxHeaderListSize),
        ]
        if role == .client {
            // A proxy has no use for pushed responses.
            iv.append(.init(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0))
        }
        _ = nghttp2_submit_settings(s, UInt8(NGHTTP2_FLAG_NONE.rawValue), &iv, iv.count)
        if settings.connectionWindowSize > 65535 {
            _ = nghttp2_session_set_local_window_size(
                s, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, Int32(clamping: settings.connectionWindowSize))
        }
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    // MARK: - I/O

    /// Feeds received bytes. Throws on a connection error; by then a GOAWAY with the right code
    /// is queued (and every reported stream got `streamDidClose`): the caller flushes
    /// `takeOutput` and closes.
    public func receive(_ bytes: UnsafeRawBufferPointer) throws(HTTP2SessionError) {
        if let failure { throw failure }
        guard let session else { throw HTTP2SessionError(nghttp2: Int(NGHTTP2_ERR_NOMEM.rawValue)) }
        guard !inNghttp2, delegateDepth == 0 else {
            throw HTTP2SessionError(nghttp2: Int(NGHTTP2_ERR_INVALID_STATE.rawValue), detail: "receive called from inside a callback")
        }
        // The delegate may drop its last reference to us from a callback.
        let keepAlive = Unmanaged.passRetained(self)
        defer { keepAlive.release() }

        lastLibraryError = nil
        inNghttp2 = true
        let rv = bytes.isEmpty ? 0 : nghttp2_session_mem_recv(session, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        inNghttp2 = false

        if rv < 0 {
            // Fatal: nghttp2 queues nothing itself (a bad preface, a flood). Queue the GOAWAY.
            let code: HTTP2ErrorCode
            switch Int32(rv) {
            case NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue: code = .protocolError
            case NGHTTP2_ERR_FLOODED.rawValue: code = .enhanceYourCalm
            default: code = .internalError
            }
            ownGoAwayCodes.append(code.rawValue)
            _ = nghttp2_session_terminate_session(session, code.rawValue)
            try? flushControlFrames()
            fail(HTTP2SessionError(nghttp2: rv, goAwayCode: code))
        }

        // nghttp2 reports most connection errors only by queueing a GOAWAY and ignoring further
        // input, while mem_recv succeeds. Serializing the control frames now is the one exact
        // way to see that GOAWAY, so receive can throw as its contract says.
        try flushControlFrames()
        if let failure { throw failure }
        if let (code, reason) = detectedConnectionError {
            let lib = lastLibraryError
            let libCode = lib?.code ?? Self.libraryErrorCode(for: code)
            var detail = reason
            if let lib, !lib.message.isEmpty { detail = lib.message }
            fail(HTTP2SessionError(nghttp2: Int(libCode), detail: detail, goAwayCode: code))
        }
        if let failure { throw failure }
    }

    /// Appends every frame nghttp2 wants to send now to `out`. Does nothing when called from
    /// inside a delegate callback.
    public func takeOutput(into out: inout [UInt8]) throws(HTTP2SessionError) {
        guard let session, !inNghttp2, delegateDepth == 0 else { return }
        let keepAlive = Unmanaged.passRetained(self)
        defer { keepAlive.release() }

        if !pendingOutput.isEmpty {
            out.append(contentsOf: pendingOutput)
            pendingOutput.removeAll(keepingCapacity: pendingOutput.capacity <= 4096)
        }
        // A producer that refills from didDrainOutbound gets a few rounds here; the rest waits
        // for the next call (wantsWrite stays true), so one busy stream cannot hog the loop.
        for _ in 0..<4 {
            try memSend(session, into: &out)
            guard !drainedStreams.isEmpty else { break }
            let drained = drainedStreams
            drainedStreams.removeAll(keepingCapacity: true)
            for id in drained where streams[id]?.outbound.isEmpty == true {
                notify { $0.http2Session(self, didDrainOutbound: id) }
            }
            if nghttp2_session_want_write(session) == 0 { break }
        }
    }

    /// The mem_send loop: nghttp2 returns one serialized chunk per call, valid until the next.
    func memSend(_ session: OpaquePointer, into out: inout [UInt8]) throws(HTTP2SessionError) {
        inNghttp2 = true
        defer { inNghttp2 = false }
        while true {
            var chunk: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(session, &chunk)
            if n < 0 {
                let error = HTTP2SessionError(nghttp2: n)
                inNghttp2 = false
                fail(error)
                throw error
            }
            guard n > 0, let chunk else {
                // Every HEADERS frame queued so far has been serialized (none waits in
                // nghttp2's queues), so the uncopied response heads may be reused.
                if outboundHeaders.hasUncopiedSubmissions && nghttp2_session_get_outbound_queue_size(session) == 0 {
                    outboundHeaders.releaseSubmitted()
                }
                return
            }
            out.append(contentsOf: UnsafeBufferPointer(start: chunk, count: n))
        }
    }

    /// Serializes everything but DATA into `pendingOutput`: data providers defer while
    /// `controlOnly` is set and are resumed right after, so no body bytes are copied twice.
    func flushControlFrames() throws(HTTP2SessionError) {
        guard let session else { return }
        controlOnly = true
        defer {
            controlOnly = false
            for id in pausedByControlFlush { _ = nghttp2_session_resume_data(session, id) }
            pausedByControlFlush.removeAll(keepingCapacity: true)
        }
        try memSend(session, into: &pendingOutput)
    }

    /// Records a fatal error and tells the delegate every reported stream is gone.
    func fail(_ error: HTTP2SessionError) {
        guard failure == nil else { return }
        failure = error
        closeAllStreams(errorCode: error.goAwayCode ?? .internalError)
    }

    public var wantsRead: Bool {
        guard let session, failure == nil else { return false }
        return nghttp2_session_want_read(session) != 0
    }

    public var wantsWrite: Bool {
        guard let session else { return false }
        return !pendingOutput.isEmpty || nghttp2_session_want_write(session) != 0
    }

    /// Server role, during `didReceiveRequest`: the request's content-length field (nil when
    /// it has none, and always on a session leaving the checks to nghttp2, which only tests
    /// make). Known from the request checks, so the delegate needs no lookup over the fields.
    public var receivedContentLength: Int64? {
        guard checksRequests else { return nil }
        let n = inboundRules.declaredLength
        return n < 0 ? nil : n
    }

    /// Streams the delegate knows about that have not closed yet.
    public var activeStreamCount: Int { reportedStreamCount }

    /// Reports `streamDidClose` for every reported stream still open and forgets all stream
    /// state. For the caller when the transport is gone (nghttp2 does not close streams when
    /// the session is torn down); `receive` does it itself on a connection error.
    public func closeAllStreams(errorCode: HTTP2ErrorCode) {
        let all = streams
        streams.removeAll()
        for (id, s) in all.sortedByID() where s.reported {
            reportedStreamCount -= 1
            notify { $0.http2Session(self, streamDidClose: id, errorCode: errorCode) }
        }
    }

    /// graceful = send a shutdown notice (GOAWAY with the maximum id, and a PING), let open
    /// streams finish, then the final GOAWAY once the PING comes back (one round trip, RFC 9113
    /// section 6.8); otherwise GOAWAY with `errorCode` now. A server calling it again while the
    /// PING is out sends the final GOAWAY at once (a drain deadline for a peer that never acks).
    /// A client has no shutdown notice: its GOAWAY only stops new streams, which are then refused
    /// locally.
    public func goAway(errorCode: HTTP2ErrorCode = .noError, graceful: Bool) {
        guard let session, failure == nil else { return }
        if !graceful || errorCode != .noError {
            ownGoAwayCodes.append(errorCode.rawValue)
            _ = nghttp2_session_terminate_session(session, errorCode.rawValue)
            shutdown = .finalGoAwaySubmitted
            return
        }
        if shutdown == .awaitingPingAck {
            submitFinalGoAway()
            return
        }
        guard shutdown == .none else { return }
        switch role {
        case .server:
            ownGoAwayCodes.append(0)
            _ = nghttp2_submit_shutdown_notice(session)
            Self.shutdownPingPayload.withUnsafeBufferPointer {
                _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), $0.baseAddress)
            }
            shutdown = .awaitingPingAck
        case .client:
            submitFinalGoAway()
        }
    }

    func submitFinalGoAway() {
        guard let session else { return }
        ownGoAwayCodes.append(0)
        _ = nghttp2_submit_goaway(
            session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session),
            HTTP2ErrorCode.noError.rawValue, nil, 0)
        shutdown = .finalGoAwaySubmitted
    }

    // MARK: - Helpers

    /// Runs `body` with the delegate, counting the depth so `receive`/`takeOutput` refuse to run.
    @inline(__always)
    func notify(_ body: (any HTTP2SessionDelegate) -> Void) {
        guard let delegate = owner ?? delegate else { return }
        delegateDepth += 1
        defer { delegateDepth -= 1 }
        body(delegate)
    }

    static func errorCode(_ raw: UInt32) -> HTTP2ErrorCode {
        // Unknown codes must not trigger special behaviour (RFC 9113 section 7).
        HTTP2ErrorCode(rawValue: raw) ?? .internalError
    }

    /// The nghttp2 library error that best names a GOAWAY code, for the thrown error.
    static func libraryErrorCode(for code: HTTP2ErrorCode) -> Int32 {
        switch code {
        case .flowControlError: return NGHTTP2_ERR_FLOW_CONTROL.rawValue
        case .frameSizeError: return NGHTTP2_ERR_FRAME_SIZE_ERROR.rawValue
        case .compressionError: return NGHTTP2_ERR_HEADER_COMP.rawValue
        case .settingsTimeout: return NGHTTP2_ERR_SETTINGS_EXPECTED.rawValue
        case .enhanceYourCalm: return NGHTTP2_ERR_FLOODED.rawValue
        case .streamClosed: return NGHTTP2_ERR_STREAM_CLOSED.rawValue
        default: return NGHTTP2_ERR_PROTO.rawValue
        }
    }
}

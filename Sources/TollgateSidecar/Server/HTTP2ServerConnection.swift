import TollgateHTTP
import TollgateHTTP2
import TollgateTransport

/// A downstream HTTP/2 connection (h2c prior knowledge or TLS ALPN h2): one exchange per stream.
final class HTTP2ServerConnection: ConnectionDelegate, HTTP2SessionDelegate, DownstreamConnection, DeferredFlush {
    let context: LoopContext
    let connection: Connection
    let session: HTTP2Session
    private var streams = HTTP2StreamMap<HTTP2ServerStream>()
    private var closed = false
    private var idleTimer: LoopTimer?
    /// Watches streams whose request body is still expected (HTTP2ServerConnection+BodyWatch.swift).
    var bodyWatchTimer: LoopTimer?
    private var draining = false
    /// Egress proxy role (EgressRole.swift): intercepted connections route every stream to one host.
    var egressRole = EgressRole.none

    init(context: LoopContext, connection: Connection) {
        self.context = context
        self.connection = connection
        var settings = HTTP2Settings()
        settings.maxHeaderListSize = UInt32(context.options.maxHeaderBytes)
        session = HTTP2Session(role: .server, settings: settings)
        // Owned and driven only from this object's methods: no weak reference needed.
        session.owner = self
        connection.delegate = self
        armIdle()
    }

    func start(initialBytes: [UInt8]) {
        if !initialBytes.isEmpty {
            initialBytes.withUnsafeBytes { connection(connection, didRead: $0) }
        } else {
            flush()
        }
    }

    /// Asks for the session's frames to be written once this dispatch round is over: every
    /// stream answered in the round (one upstream read each) leaves in one serialization pass
    /// and one write, instead of one pass per stream (measured: a pass per response cost more
    /// than batching them under h2load -m10).
    func flush() {
        guard !closed, !flushQueued else { return }
        flushQueued = true
        context.loop.deferFlush(self)
    }

    func flushDeferred() {
        flushQueued = false
        flushOutput()
    }

    private var flushQueued = false

    /// Serializes and queues what the session holds now; closes once the session is done.
    private func flushOutput() {
        guard !closed else { return }
        do {
            let done = try pump.pump(session, isClosed: { closed }) { out in
                context.metrics.sent(out.count)
                connection.write(out)
            }
            guard done else { return }
        } catch {
            close()
            return
        }
        // nghttp2 stops wanting reads once GOAWAY is out even while half-closed streams
        // still send: the connection ends only when our streams are done too.
        if !session.wantsRead && !session.wantsWrite && streams.isEmpty {
            close(flushing: true)
        }
    }

    private let pump = HTTP2OutputPump()

    func cork() { pump.cork() }

    func uncork() {
        if pump.uncork() { flushOutput() }
    }

    /// Serializes and sends what the session holds now, corked or not (see `DownstreamStream.sendNow`).
    func sendNow() {
        guard !closed else { return }
        do {
            guard try pump.pumpNow(session, isClosed: { closed }, write: { out in
                context.metrics.sent(out.count)
                connection.write(out)
            }) else { return }
        } catch {
            return  // the session is dead: the next flush closes the connection
        }
        connection.flushNow()
    }

    private func armIdle() {
        idleTimer?.cancel()
        idleTimer = context.loop.schedule(afterSeconds: context.options.idleTimeout) { [self] in
            guard !self.closed else { return }
            if self.streams.isEmpty {
                self.session.goAway(errorCode: .noError, graceful: false)
                self.flushOutput()
                self.close(flushing: true)
            } else {
                self.armIdle()
            }
        }
    }

    // MARK: ConnectionDelegate

    func connectionDidBecomeActive(_ connection: Connection) {}

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        context.metrics.received(bytes.count)
        do {
            try pump.receive(bytes, into: session)
        } catch {
            Log.debug("HTTP/2 connection error from \(connection.peer?.host ?? "?"): \(error.message)")
            flushOutput()
            close(flushing: true)
            return
        }
        flush()
    }

    func connectionDidReadEOF(_ connection: Connection) { close() }

    func forEachStream(_ body: (HTTP2ServerStream) -> Void) { streams.forEachValue(body) }

    func connectionDidDrain(_ connection: Connection) {
        streams.forEachValue { $0.exchange?.downstreamDrained() }
    }

    func connection(_ connection: Connection, didFail error: TransportError) { close() }

    // MARK: HTTP2SessionDelegate

    func http2Session(_ session: HTTP2Session, didReceiveRequest head: HTTPRequestHead, scheme: String, streamID: Int32, endStream: Bool) {
        if draining {
            session.resetStream(streamID, errorCode: .refusedStream)
            return
        }
        let stream = makeStream(streamID)
        streams[streamID] = stream
        stream.requestEnded = endStream
        let shape: RequestBodyShape
        if endStream {
            shape = .none
        } else if let n = session.receivedContentLength {
            if n > context.options.maxBodyBytes {
                let err = ProxyError.badRequest(413, code: "bodyTooLarge", "request body of \(n) bytes exceeds the limit of \(context.options.maxBodyBytes)")
                stream.sendError(err, path: head.path)
                return
            }
            shape = .length(n)
        } else {
            shape = .streaming
        }
        let ex = ProxyExchange(context: context, downstream: stream, head: head, bodyShape: shape)
        ex.pin(to: egressRole.route)
        stream.exchange = ex
        stream.isHead = head.method == "HEAD"
        if shape != .none { watchBody(of: stream) }
        ex.start()
    }

    func http2Session(_ session: HTTP2Session, didReceiveResponse head: HTTPResponseHead, streamID: Int32, endStream: Bool) {
        session.resetStream(streamID, errorCode: .protocolError)
    }

    func http2Session(_ session: HTTP2Session, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
        guard let s = streams[streamID], let ex = s.exchange else {
            session.consume(streamID: streamID, count: bytes.count)
            return
        }
        s.received += Int64(bytes.count)
        s.bodyDeadline = context.loop.now &+ bodyTimeoutNanos
        if s.received > context.options.maxBodyBytes {
            // Acknowledged though dropped: unconsumed, it would shrink the connection window for good.
            session.consume(streamID: streamID, count: bytes.count)
            if ex.responseStarted {
                session.resetStream(streamID, errorCode: .cancel)
            } else {
                // Not yet answered: the client learns why, in its dialect, as it would over HTTP/1.1.
                s.awaitingBody = false
                ex.refuseRequestBody(.badRequest(413, code: "bodyTooLarge", "request body exceeds the limit of \(context.options.maxBodyBytes) bytes"))
            }
            return
        }
        ex.receiveRequestBody(bytes)
        s.gate.received(bytes.count, streamID: streamID, session: session)
    }

    func http2Session(_ session: HTTP2Session, didReceiveTrailers trailers: HTTPHeaders, streamID: Int32) {}

    func http2Session(_ session: HTTP2Session, didReceiveEndStream streamID: Int32) {
        guard let s = streams[streamID] else { return }
        s.awaitingBody = false
        s.requestEnded = true
        s.exchange?.receiveRequestEnd()
    }

    func http2Session(_ session: HTTP2Session, streamDidClose streamID: Int32, errorCode: HTTP2ErrorCode) {
        guard var s = streams.removeValue(forKey: streamID) else { return }
        _ = s.gate.release(streamID: streamID, session: session)
        if let ex = s.exchange {
            s.exchange = nil
            ex.downstreamClosed()
        }
        if spareStreamCount < 16 && isKnownUniquelyReferenced(&s) {
            s.nextSpare = spareStreams
            spareStreams = s
            spareStreamCount += 1
        }
        finishDrainIfIdle()
    }

    /// Objects of closed streams nobody else holds, kept for new streams (linked through
    /// `nextSpare`): an allocation and a deinit saved per request.
    private var spareStreams: HTTP2ServerStream?
    private var spareStreamCount = 0

    private func makeStream(_ streamID: Int32) -> HTTP2ServerStream {
        guard let s = spareStreams else { return HTTP2ServerStream(connection: self, streamID: streamID) }
        spareStreams = s.nextSpare
        s.nextSpare = nil
        spareStreamCount -= 1
        s.reuse(streamID: streamID)
        return s
    }

    func http2Session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {}

    func http2Session(_ session: HTTP2Session, didDrainOutbound streamID: Int32) {
        streams[streamID]?.exchange?.downstreamDrained()
    }

    // MARK: Lifecycle

    /// Draining lets open streams finish first and only then sends GOAWAY: common clients
    /// (python-h2, so httpx) treat any GOAWAY as the end of every stream, even a shutdown notice.
    /// Streams opened meanwhile are refused with REFUSED_STREAM, which clients may retry safely.
    func beginDrain() {
        draining = true
        finishDrainIfIdle()
    }

    private func finishDrainIfIdle() {
        guard draining, streams.isEmpty, !closed else { return }
        // Deferred: this may run inside nghttp2's serialization, whose frames (the last
        // stream's END_STREAM) are written only when it returns.
        context.loop.schedule(afterNanos: 0) { [self] in
            guard self.draining, self.streams.isEmpty, !self.closed else { return }
            self.session.goAway(errorCode: .noError, graceful: false)
            self.flushOutput()
            self.close(flushing: true)
        }
    }

    func forceClose() { close() }

    func close(flushing: Bool = false) {
        guard !closed else { return }
        closed = true
        idleTimer?.cancel()
        idleTimer = nil
        bodyWatchTimer?.cancel()
        bodyWatchTimer = nil
        // Spare streams hold this connection: dropped here, or the connection would leak.
        spareStreams = nil
        spareStreamCount = 0
        let s = streams
        streams.removeAll()
        s.forEachValue { st in
            if let ex = st.exchange {
                st.exchange = nil
                ex.downstreamClosed()
            }
        }
        if flushing {
            connection.closeAfterFlush { [self] in self.context.remove(self) }
        } else {
            connection.close()
            context.remove(self)
        }
    }

    func streamFinished(_ sid: Int32) {
        // The stream object stays until nghttp2 reports it closed. The rest of a request body
        // that arrives after the response is thrown away, so what the gate held goes too (the
        // caller flushes the WINDOW_UPDATE).
        guard let s = streams[sid] else { return }
        s.exchange = nil
        _ = s.gate.release(streamID: sid, session: session)
    }
}

/// One request stream on a downstream HTTP/2 connection.
final class HTTP2ServerStream: DownstreamStream {
    let connection: HTTP2ServerConnection
    private(set) var streamID: Int32
    var exchange: ProxyExchange?
    var gate = HTTP2ReceiveGate()
    var received: Int64 = 0
    var isHead = false
    /// The request body is still expected, and by when its next bytes must arrive.
    var awaitingBody = false
    var bodyDeadline: UInt64 = 0
    /// The client ended its side of the stream (END_STREAM received).
    var requestEnded = false
    private var ended = false

    /// The next object in the connection's list of spare ones.
    var nextSpare: HTTP2ServerStream?

    init(connection: HTTP2ServerConnection, streamID: Int32) {
        self.connection = connection
        self.streamID = streamID
    }

    /// Makes a spare object the new stream `streamID`, as if just created.
    func reuse(streamID: Int32) {
        self.streamID = streamID
        exchange = nil
        gate = HTTP2ReceiveGate()
        received = 0
        isHead = false
        awaitingBody = false
        requestEnded = false
        ended = false
    }

    let protocolIndex = 1
    var isTLS: Bool { connection.connection.isTLS }
    var clientIP: String? { connection.connection.peer?.host }

    func sendResponseHead(_ head: HTTPResponseHead, endStream: Bool) {
        guard !ended else { return }
        let end = endStream || isHead
        // The session writes only status and fields; the version needs no copy of the head.
        connection.session.sendResponseHead(head, streamID: streamID, endStream: end)
        if end { finish() }
        connection.flush()
    }

    func sendResponseBody(_ bytes: UnsafeRawBufferPointer) {
        guard !ended, !isHead, !bytes.isEmpty else { return }
        connection.session.sendData(bytes, streamID: streamID, endStream: false)
        connection.flush()
    }

    func sendResponseEnd(trailers: HTTPHeaders?) {
        guard !ended else { return }
        if let t = trailers, t.count > 0 {
            connection.session.sendTrailers(t, streamID: streamID)
        } else {
            connection.session.sendEndStream(streamID: streamID)
        }
        finish()
        connection.flush()
    }

    func abortResponse() {
        guard !ended else { return }
        connection.session.resetStream(streamID, errorCode: .internalError)
        finish()
        connection.flush()
    }

    var responseBufferedBytes: Int { connection.session.outboundBufferedBytes(streamID: streamID) }
    func cork() { connection.cork() }
    func uncork() { connection.uncork() }
    func sendNow() { connection.sendNow() }

    func pauseRequestBody() { gate.pause() }

    func resumeRequestBody() {
        // The stall clock restarts: the client sends again only after our WINDOW_UPDATE.
        if awaitingBody && gate.paused { bodyDeadline = connection.context.loop.now &+ connection.bodyTimeoutNanos }
        if gate.resume(streamID: streamID, session: connection.session) { connection.flush() }
    }

    func sendError(_ error: ProxyError, path: Substring) {
        let (head, body) = error.response(for: APIDialect.forPath(path), version: .http2)
        sendResponseHead(head, endStream: false)
        body.withUnsafeBytes { sendResponseBody($0) }
        sendResponseEnd(trailers: nil)
    }

    private func finish() {
        ended = true
        // Answered before the request ended (413, 408, an early upstream answer): the client is
        // told to stop sending once the response is out.
        if !requestEnded { connection.session.stopPeerAfterResponse(streamID) }
        connection.streamFinished(streamID)
    }
}

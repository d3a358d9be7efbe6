import TollgateHTTP
import TollgateHTTP2
import TollgateTransport

/// A multiplexed HTTP/2 connection to one upstream target: h2c with prior knowledge, or h2
/// chosen by ALPN. Requests wait in `waiting` until the connection is up.
final class HTTP2UpstreamConnection: ConnectionDelegate, HTTP2SessionDelegate {
    let pool: UpstreamPool
    let target: UpstreamTarget
    let connection: Connection
    let session: HTTP2Session
    private var streams: [Int32: HTTP2UpstreamStream] = [:]
    private var waiting: [(any UpstreamClient, HTTPRequestHead, RequestBodyShape, Bool)] = []
    private var isActive = false
    private var goingAway = false
    private var connectTimer: LoopTimer?

    init(pool: UpstreamPool, target: UpstreamTarget, connection: Connection) {
        self.pool = pool
        self.target = target
        self.connection = connection
        session = HTTP2Session(role: .client)
        session.delegate = self
        connection.delegate = self
        connectTimer = connection.loop.schedule(afterSeconds: pool.options.connectTimeout) { [self] in
            guard !self.isActive else { return }
            self.failAll(.upstreamTimeout("connect to \(self.target.authority) took longer than \(self.pool.options.connectTimeout)s"))
        }
    }

    /// Builds on a connection that is already up (ALPN chose h2).
    init(pool: UpstreamPool, target: UpstreamTarget, adopting connection: Connection) {
        self.pool = pool
        self.target = target
        self.connection = connection
        session = HTTP2Session(role: .client)
        session.delegate = self
        connection.delegate = self
    }

    var acceptsNewStreams: Bool { !goingAway && !connection.isClosed }

    /// `replayable`: the request may be sent once more if the server refuses it unprocessed.
    func open(exchange: any UpstreamClient, head: HTTPRequestHead, bodyShape: RequestBodyShape, replayable: Bool = true) {
        guard isActive else {
            waiting.append((exchange, head, bodyShape, replayable))
            return
        }
        var h = head
        h.headers.remove("host")
        let sid: Int32
        do {
            sid = try session.sendRequestHead(h, scheme: target.scheme, authority: target.authority, endStream: bodyShape == .none)
        } catch {
            exchange.upstreamFailed(.upstreamUnavailable("HTTP/2 request to \(target.authority) failed: \(error.message)"))
            return
        }
        let stream = HTTP2UpstreamStream(connection: self, streamID: sid, exchange: exchange)
        if replayable { stream.request = (head, bodyShape) }
        streams[sid] = stream
        flush()
        exchange.upstreamAttached(stream)
    }

    func flush() {
        guard !connection.isClosed else { return }
        do {
            let done = try pump.pump(session, isClosed: { connection.isClosed }) { connection.write($0) }
            guard done else { return }
        } catch {
            failAll(.upstreamUnavailable("HTTP/2 session to \(target.authority) failed: \(error.message)"))
            return
        }
        if !session.wantsRead && !session.wantsWrite && streams.isEmpty { close() }
    }

    private let pump = HTTP2OutputPump()

    func bufferedBytes(_ sid: Int32) -> Int { session.outboundBufferedBytes(streamID: sid) }

    func streamCancelled(_ sid: Int32) {
        guard let s = streams.removeValue(forKey: sid) else { return }
        _ = s.gate.release(streamID: sid, session: session)
        session.resetStream(sid, errorCode: .cancel)
        flush()
    }

    // MARK: ConnectionDelegate

    func connectionDidBecomeActive(_ connection: Connection) {
        isActive = true
        connectTimer?.cancel()
        connectTimer = nil
        let w = waiting
        waiting.removeAll()
        for (ex, h, s, r) in w { open(exchange: ex, head: h, bodyShape: s, replayable: r) }
        flush()
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        // Everything this read produces for each client leaves in one write per client.
        let downs = streams.values.compactMap { $0.exchange?.downstream }
        for d in downs { d.cork() }
        defer { for d in downs { d.uncork() } }
        do {
            try pump.receive(bytes, into: session)
        } catch {
            flush()
            failAll(.upstreamUnavailable("HTTP/2 protocol error from \(target.authority): \(error.message)"))
            return
        }
        flush()
    }

    func connectionDidReadEOF(_ connection: Connection) {
        failAll(.upstreamUnavailable("\(target.authority) closed the HTTP/2 connection"))
    }

    func connectionDidDrain(_ connection: Connection) {
        for s in streams.values { s.exchange?.upstreamDrained() }
    }

    func connection(_ connection: Connection, didFail error: TransportError) {
        failAll(.upstreamUnavailable(error.code == .tlsVerification ? "TLS to \(target.authority): \(error.message)" : error.message))
    }

    private func failAll(_ error: ProxyError) {
        goingAway = true
        let w = waiting
        waiting.removeAll()
        let s = streams
        streams.removeAll()
        close()
        for (ex, _, _, _) in w { ex.upstreamFailed(error) }
        for st in s.values { st.exchange?.upstreamFailed(error) }
    }

    func close() {
        connectTimer?.cancel()
        connectTimer = nil
        goingAway = true
        if !connection.isClosed { connection.close() }
        pool.forget(self)
    }

    // MARK: HTTP2SessionDelegate

    func http2Session(_ session: HTTP2Session, didReceiveRequest head: HTTPRequestHead, scheme: String, streamID: Int32, endStream: Bool) {
        session.resetStream(streamID, errorCode: .protocolError)
    }

    func http2Session(_ session: HTTP2Session, didReceiveResponse head: HTTPResponseHead, streamID: Int32, endStream: Bool) {
        guard !head.isInformational, let s = streams[streamID] else { return }
        s.request = nil
        if endStream { streams[streamID] = nil }
        s.exchange?.upstreamResponseHead(head, endStream: endStream)
    }

    func http2Session(_ session: HTTP2Session, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
        guard let s = streams[streamID] else {
            session.consume(streamID: streamID, count: bytes.count)
            return
        }
        s.exchange?.upstreamResponseBody(bytes)
        s.gate.received(bytes.count, streamID: streamID, session: session)
    }

    func http2Session(_ session: HTTP2Session, didReceiveTrailers trailers: HTTPHeaders, streamID: Int32) {
        streams[streamID]?.trailers = trailers
    }

    func http2Session(_ session: HTTP2Session, didReceiveEndStream streamID: Int32) {
        guard let s = streams.removeValue(forKey: streamID) else { return }
        _ = s.gate.release(streamID: streamID, session: session)
        s.exchange?.upstreamResponseEnd(trailers: s.trailers)
    }

    func http2Session(_ session: HTTP2Session, streamDidClose streamID: Int32, errorCode: HTTP2ErrorCode) {
        guard let s = streams.removeValue(forKey: streamID) else { return }
        _ = s.gate.release(streamID: streamID, session: session)
        if errorCode == .refusedStream && retry(s) { return }
        s.exchange?.upstreamFailed(.upstreamUnavailable("\(target.authority) reset the HTTP/2 stream (\(errorCode))"))
    }

    func http2Session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {
        goingAway = true
        pool.forget(self)
        for (sid, s) in streams where sid > lastStreamID {
            streams[sid] = nil
            if retry(s) { continue }
            s.exchange?.upstreamFailed(.upstreamUnavailable("\(target.authority) refused the stream (GOAWAY)"))
        }
    }

    /// A stream the server refused unprocessed (above a GOAWAY's last stream id, or reset with
    /// REFUSED_STREAM; RFC 9113 8.7: safe to retry whatever the method) is sent once more, on
    /// another connection after a GOAWAY, when its client can send the whole request again.
    /// A server shutting down gracefully failed such requests with 502 otherwise.
    private func retry(_ s: HTTP2UpstreamStream) -> Bool {
        guard let (head, shape) = s.request, let ex = s.exchange, ex.canReplayRequest else { return false }
        s.request = nil
        s.exchange = nil
        Log.debug("upstream \(target.authority) refused HTTP/2 stream \(s.streamID) unprocessed; sending \(head.method) \(head.path) again")
        pool.open(exchange: ex, target: target, head: head, bodyShape: shape, fresh: true)
        return true
    }

    func http2Session(_ session: HTTP2Session, didDrainOutbound streamID: Int32) {
        streams[streamID]?.exchange?.upstreamDrained()
    }
}

/// One request on an upstream HTTP/2 connection.
final class HTTP2UpstreamStream: UpstreamStream {
    let connection: HTTP2UpstreamConnection
    let streamID: Int32
    var exchange: (any UpstreamClient)?
    /// The request as sent, while it may be sent again (see `HTTP2UpstreamConnection.retry`).
    var request: (HTTPRequestHead, RequestBodyShape)?
    var gate = HTTP2ReceiveGate()
    var trailers: HTTPHeaders?

    init(connection: HTTP2UpstreamConnection, streamID: Int32, exchange: any UpstreamClient) {
        self.connection = connection
        self.streamID = streamID
        self.exchange = exchange
    }

    func sendRequestBody(_ bytes: UnsafeRawBufferPointer) {
        connection.session.sendData(bytes, streamID: streamID, endStream: false)
        connection.flush()
    }

    func sendRequestEnd() {
        connection.session.sendEndStream(streamID: streamID)
        connection.flush()
    }

    func cancel() {
        exchange = nil
        connection.streamCancelled(streamID)
    }

    var requestBufferedBytes: Int { connection.bufferedBytes(streamID) }

    func pauseResponseBody() { gate.pause() }

    func resumeResponseBody() {
        if gate.resume(streamID: streamID, session: connection.session) { connection.flush() }
    }
}

import TollgateHTTP
import TollgateTransport

/// One HTTP/1.1 connection to an upstream, carrying one request at a time and returning to
/// its loop's pool when the exchange ends cleanly.
final class HTTP1UpstreamConnection: ConnectionDelegate, UpstreamStream {
    let pool: UpstreamPool
    let target: UpstreamTarget
    let connection: Connection
    private(set) var exchange: (any UpstreamClient)?
    private var parser = HTTP1ResponseParser()
    private var chunkedRequest = false
    private var requestDone = true
    private var responseDone = true
    private var responseKeepAlive = true
    private var sawResponseBytes = false
    /// Requests begun on this connection; more than one means it came from the pool.
    private var requestsBegun = 0
    /// The request in flight when it may be sent again on a fresh connection (see `retryFresh`).
    private var replayableHead: HTTPRequestHead?
    private var connectTimer: LoopTimer?
    private var idleTimer: LoopTimer?
    /// When the connection last went back to the pool (see `idleTimerFired`).
    private var idleSince: UInt64 = 0
    private(set) var isActive = false
    /// Where the pool keeps this connection while it is busy (-1 when not busy).
    var busyIndex = -1
    private var scratch: [UInt8] = []

    init(pool: UpstreamPool, target: UpstreamTarget, connection: Connection) {
        self.pool = pool
        self.target = target
        self.connection = connection
        connection.delegate = self
        connectTimer = connection.loop.schedule(afterSeconds: pool.options.connectTimeout) { [self] in
            guard !self.isActive else { return }
            self.failExchange(.upstreamTimeout("connect to \(self.target.authority) took longer than \(self.pool.options.connectTimeout)s"))
        }
    }

    var isIdle: Bool { exchange == nil && !connection.isClosed && requestDone && responseDone }

    /// Starts `head` on this connection (fresh or reused). On a fresh connection the request
    /// waits until the connection is up, since TLS may negotiate HTTP/2 instead.
    func start(exchange: any UpstreamClient, head: HTTPRequestHead, bodyShape: RequestBodyShape) {
        // A pending idle timer is left to fire: it finds the connection busy and does nothing.
        self.exchange = exchange
        requestDone = false
        responseDone = false
        guard isActive else {
            pending = (head, bodyShape)
            return
        }
        begin(head: head, bodyShape: bodyShape)
    }

    private var pending: (HTTPRequestHead, RequestBodyShape)?

    /// The request not yet written, for a connection that turned out to speak HTTP/2.
    func pendingForPromotion() -> (any UpstreamClient, HTTPRequestHead, RequestBodyShape)? {
        defer {
            pending = nil
            exchange = nil
            connectTimer?.cancel()
            connectTimer = nil
        }
        guard let ex = exchange, let (h, s) = pending else { return nil }
        return (ex, h, s)
    }

    private func begin(head: HTTPRequestHead, bodyShape: RequestBodyShape) {
        guard let exchange else { return }
        requestDone = false
        responseDone = false
        sawResponseBytes = false
        responseKeepAlive = true
        requestsBegun += 1
        replayableHead = requestsBegun > 1 && bodyShape == .none && Self.isIdempotent(head.method) ? head : nil
        parser.expectResponse(toMethod: head.method)
        // The framing field goes out after the head's own fields, written by the serializer:
        // adding it to a copy of the head copied its fields first.
        var framing: HTTP1Serializer.ExtraField?
        switch bodyShape {
        case .none:
            chunkedRequest = false
            switch head.method {
            case "POST", "PUT", "PATCH": framing = ("content-length", "0")
            default: break
            }
        case .length:
            chunkedRequest = false
        case .streaming:
            chunkedRequest = true
            framing = ("transfer-encoding", "chunked")
        }
        HTTP1Serializer.withRequestHead(head, extra: framing) { connection.write($0) }
        if bodyShape == .none { requestDone = true }
        exchange.upstreamAttached(self)
    }

    // MARK: UpstreamStream

    func sendRequestBody(_ bytes: UnsafeRawBufferPointer) {
        guard !requestDone, !bytes.isEmpty else { return }
        if chunkedRequest {
            HTTP1Serializer.withChunkFraming(size: bytes.count) { connection.write($0, bytes, $1) }
        } else {
            connection.write(bytes)
        }
    }

    func sendRequestEnd() {
        guard !requestDone else { return }
        requestDone = true
        if chunkedRequest {
            scratch.removeAll(keepingCapacity: true)
            HTTP1Serializer.appendLastChunk(trailers: nil, to: &scratch)
            connection.write(scratch)
        }
        if responseDone { recycle() }
    }

    func cancel() {
        exchange = nil
        close()
    }

    var requestBufferedBytes: Int { connection.outputBufferedBytes }
    func pauseResponseBody() { connection.pauseReading() }
    func resumeResponseBody() { connection.resumeReading() }

    // MARK: ConnectionDelegate

    func connectionDidBecomeActive(_ connection: Connection) {
        isActive = true
        connectTimer?.cancel()
        connectTimer = nil
        if connection.alpn == "h2" {
            // The server chose HTTP/2: hand the connection and its request over.
            pool.promoteToHTTP2(self)
            return
        }
        if let (h, s) = pending {
            pending = nil
            begin(head: h, bodyShape: s)
        }
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        guard !responseDone else {
            // Bytes on an idle pooled connection: the peer is confused; never reuse it.
            close()
            return
        }
        sawResponseBytes = true
        // Everything this read produces for the client leaves in one write.
        let down = exchange?.downstream
        down?.cork()
        defer { down?.uncork() }
        var offset = 0
        while !connection.isClosed {
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            var result: (consumed: Int, event: HTTP1ParserEvent?)
            do {
                result = try parser.next(slice)
            } catch {
                failExchange(.upstreamUnavailable("invalid HTTP response from \(target.authority): \(error.message)"))
                return
            }
            offset += result.consumed
            // Moved out, not copied: the head goes on to the exchange, which edits its fields in
            // place only when it holds the one reference (a shared copy was copied on write).
            guard let event = result.event.take() else { return }
            switch consume event {
            case .responseHead(let head, let framing):
                if head.status == 101 {
                    // Upgrade is hop-by-hop and never forwarded, so no switch was asked for; the
                    // bytes after it are another protocol. Skipped as an interim answer, it left
                    // the client waiting for a response that never came.
                    failExchange(.upstreamUnavailable("\(target.authority) answered 101 Switching Protocols to a request that asked for no upgrade"))
                    return
                }
                if head.isInformational { continue }
                responseKeepAlive = !head.headers.hasToken(lowercase: "connection", "close") && head.version != .http1_0
                if framing == .none {
                    // No body: the exchange is done now; the parser's .end follows.
                    let ex = exchange
                    exchange = nil
                    ex?.upstreamResponseHead(consume head, endStream: true)
                } else {
                    exchange?.upstreamResponseHead(consume head, endStream: false)
                }
            case .body(let range):
                exchange?.upstreamResponseBody(UnsafeRawBufferPointer(rebasing: slice[range]))
            case .trailers:
                continue
            case .end:
                responseDone = true
                let ex = exchange
                detachAndRecycle()
                ex?.upstreamResponseEnd(trailers: nil)
                if offset < bytes.count { close() }
                return
            case .requestHead:
                failExchange(.upstreamUnavailable("unexpected request from upstream"))
                return
            }
        }
    }

    func connectionDidReadEOF(_ connection: Connection) {
        if exchange == nil {
            close()
            return
        }
        if retryFresh() { return }
        do {
            if let ev = try parser.finishAtEOF(), ev == .end {
                responseDone = true
                let ex = exchange
                exchange = nil
                close()
                ex?.upstreamResponseEnd(trailers: nil)
                return
            }
            failExchange(.upstreamUnavailable("\(target.authority) closed the connection before responding"))
        } catch {
            let when = sawResponseBytes ? "mid-response" : "before responding"
            failExchange(.upstreamUnavailable("\(target.authority) closed the connection \(when)"))
        }
    }

    func connectionDidDrain(_ connection: Connection) {
        exchange?.upstreamDrained()
    }

    func connection(_ connection: Connection, didFail error: TransportError) {
        if retryFresh() { return }
        let proxyError: ProxyError = error.code == .tlsVerification || error.code == .tls
            ? .upstreamUnavailable("TLS to \(target.authority): \(error.message)")
            : .upstreamUnavailable(error.message)
        failExchange(proxyError)
    }

    // MARK: Lifecycle

    /// A pooled connection the server closed while it sat idle is only found out when it is
    /// reused: the request dies before any byte of an answer. An idempotent request without a
    /// body is sent again on a new connection, once, as HTTP clients do (RFC 9110 9.2.2 forbids
    /// it for the others: the server may have acted on them); else the client got a 502.
    private func retryFresh() -> Bool {
        guard !sawResponseBytes, let head = replayableHead, let ex = exchange else { return false }
        replayableHead = nil
        exchange = nil
        close()
        Log.debug("upstream \(target.authority) closed a reused connection before answering \(head.method) \(head.path); retrying on a new connection")
        pool.open(exchange: ex, target: target, head: head, bodyShape: .none, fresh: true)
        return true
    }

    static func isIdempotent(_ method: String) -> Bool {
        switch method {
        case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE": return true
        default: return false
        }
    }

    private func failExchange(_ error: ProxyError) {
        let ex = exchange
        exchange = nil
        close()
        ex?.upstreamFailed(error)
    }

    /// The response ended: detach the exchange and, if the request was fully sent, pool the
    /// connection for the next request.
    private func detachAndRecycle() {
        exchange = nil
        replayableHead = nil
        if requestDone { recycle() } else { close() }
    }

    private func recycle() {
        guard exchange == nil, responseDone, requestDone, !connection.isClosed else { return }
        guard responseKeepAlive else {
            close()
            return
        }
        connection.resumeReading()
        pool.release(self)
        // One idle timer at a time, re-armed lazily when it fires early: scheduling and
        // cancelling one per request (a timer object, a closure, two heap operations) cost
        // ~1.5k instructions per proxied request.
        idleSince = MonotonicClock.now()
        if idleTimer == nil { armIdleTimer(afterNanos: idleTimeoutNanos) }
    }

    private var idleTimeoutNanos: UInt64 { UInt64(max(0, pool.options.upstreamIdleTimeout) * 1e9) }

    private func armIdleTimer(afterNanos ns: UInt64) {
        idleTimer = connection.loop.schedule(afterNanos: ns) { [self] in self.idleTimerFired() }
    }

    /// Closes the connection once it has been idle for the whole timeout; busy now means
    /// `recycle` arms a new timer when it is idle again.
    private func idleTimerFired() {
        idleTimer = nil
        guard isIdle else { return }
        let due = idleSince &+ idleTimeoutNanos
        let now = MonotonicClock.now()
        if now < due {
            armIdleTimer(afterNanos: due - now)
            return
        }
        close()
    }

    func close() {
        connectTimer?.cancel()
        idleTimer?.cancel()
        connectTimer = nil
        idleTimer = nil
        if !connection.isClosed { connection.close() }
        pool.forget(self)
    }
}

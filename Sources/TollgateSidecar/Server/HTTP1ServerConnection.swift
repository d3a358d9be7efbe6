import TollgateHTTP
import TollgateTransport

/// A downstream HTTP/1.1 connection: parses requests (keep-alive, pipelining, chunked,
/// Expect: 100-continue), runs one exchange at a time and writes responses in order.
final class HTTP1ServerConnection: ConnectionDelegate, DownstreamStream, DownstreamConnection {
    let context: LoopContext
    let connection: Connection
    /// `context.metrics`, held here: reached through the context, each count (several per
    /// request) retained and released the shard.
    private let metrics: MetricsShard
    private var parser: HTTP1RequestParser
    /// Bytes read but not yet parsed (pipelined requests, or a body while paused).
    private var inbound = ByteQueue()
    private var exchange: ProxyExchange?
    /// What the response side needs from the request in flight; not the head itself, which
    /// the exchange owns (a second stored copy cost ~4 retains per request).
    private var requestIsHEAD = false
    private var requestIsHTTP10 = false
    private var requestDialect = APIDialect.openAI
    private var requestComplete = true
    private var keepAlive = true
    private var closeAfterResponse = false
    private var bodyPaused = false
    private var responseChunked = false
    /// The response's end is marked (chunked or Content-Length): a client can tell a cut one.
    private var responseDelimited = false
    private var responseNoBody = false
    private var responseInProgress = false
    private var waitTimer: LoopTimer?
    private var waitingForHead = true
    /// A request body is still expected from the client: the wait timer watches for a stall.
    private var waitingForBody = false
    private var closed = false
    private var scratch: [UInt8] = []
    /// Egress proxy role (EgressRole.swift); a CONNECT the gate accepted waits here until the
    /// bytes after its head are known, then the connection is handed over.
    var egressRole = EgressRole.none
    private var egressConnect: (host: String, port: UInt16, intercept: Bool)?

    let protocolIndex = 0
    var isTLS: Bool { connection.isTLS }
    var clientIP: String? { connection.peer?.host }

    init(context: LoopContext, connection: Connection) {
        self.context = context
        self.connection = connection
        self.metrics = context.metrics
        let o = context.options
        parser = HTTP1RequestParser(limits: HTTP1Limits(
            maxRequestLineBytes: o.maxRequestLineBytes, maxHeaderBytes: o.maxHeaderBytes,
            maxHeaderCount: o.maxHeaderCount, maxBodyBytes: o.maxBodyBytes))
        connection.delegate = self
        armWaitTimer(seconds: o.headerTimeout, idle: false)
    }

    /// Feeds bytes that were read before this handler took over (protocol detection).
    func start(initialBytes: [UInt8]) {
        guard !initialBytes.isEmpty else { return }
        initialBytes.withUnsafeBytes { connection(connection, didRead: $0) }
    }

    private var blocked: Bool {
        closed || bodyPaused || (exchange != nil && requestComplete) || (responseInProgress && requestComplete)
    }

    // MARK: Reading

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        metrics.received(bytes.count)
        if waitingForHead && waitTimerIsIdle {
            // First bytes of a new request: the header timeout starts now.
            armWaitTimer(seconds: context.options.headerTimeout, idle: false)
        }
        if inbound.isEmpty && !blocked {
            let used = process(bytes)
            if used < bytes.count && !closed { inbound.append(UnsafeRawBufferPointer(rebasing: bytes[used...])) }
        } else {
            inbound.append(bytes)
            processInbound()
        }
        // Bound what a client can make us hold while a response is pending.
        if !closed && inbound.count > FlowLimits.highWater { connection.pauseReading() }
    }

    private func processInbound() {
        guard !inbound.isEmpty, !blocked, !closed else { return }
        var local = ByteQueue()
        swap(&local, &inbound)
        let used = local.withReadableBytes { process($0) }
        local.consume(used)
        if !local.isEmpty && !closed {
            local.withReadableBytes { leftover in
                var merged = ByteQueue()
                merged.append(leftover)
                inbound.withReadableBytes { merged.append($0) }
                inbound = merged
            }
        }
        if !closed && inbound.count <= FlowLimits.highWater && !bodyPaused { connection.resumeReading() }
    }

    /// Parses and dispatches as much of `input` as the current state allows; returns bytes used.
    private func process(_ input: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        // Events can remain with no input left (the .end after a bodiless head), so the
        // parser is asked until it has nothing more to say.
        while !blocked {
            let slice = UnsafeRawBufferPointer(rebasing: input[offset...])
            var step: (consumed: Int, event: HTTP1ParserEvent?)
            do {
                step = try parser.next(slice)
            } catch {
                protocolError(error)
                return input.count
            }
            offset += step.consumed
            guard let event = step.event.take() else { break }
            // Consumed: the head moves on to the exchange without a copy (each copy of it
            // retained its strings and header storage).
            switch consume event {
            case .requestHead(let head, let framing):
                beginRequest(head, framing)
                if let c = egressConnect {
                    handOverToEgress(c, leftover: UnsafeRawBufferPointer(rebasing: input[offset...]))
                    return input.count
                }
            case .body(let range):
                // Progress moves the stall deadline only; the timer re-arms itself when it fires.
                if waitingForBody { waitDeadline = context.loop.now &+ bodyTimeoutNanos }
                exchange?.receiveRequestBody(UnsafeRawBufferPointer(rebasing: slice[range]))
            case .trailers:
                break
            case .end:
                requestComplete = true
                waitingForBody = false
                if let ex = exchange {
                    ex.receiveRequestEnd()
                } else if !responseInProgress {
                    finishResponseCycle()
                }
            case .responseHead:
                break
            }
        }
        return offset
    }

    private func beginRequest(_ head: consuming HTTPRequestHead, _ framing: HTTP1BodyFraming) {
        // Not an egress proxy (the usual case): the gate would hand the head back unchanged,
        // after two copies of it (~500 instructions per request, measured).
        if case .none = egressRole {
            startExchange(consume head, framing, route: nil)
            return
        }
        var head = head
        var route: UpstreamTarget? = nil
        switch EgressGate.admit(head, role: egressRole, context: context) {
        case .proceed(let r, let h):
            route = r
            head = h
        case .refuse(let e):
            waitingForHead = false
            noteRequest(head, dialect: APIDialect.forPath(head.path))
            requestComplete = false
            keepAlive = false
            sendError(e, path: head.path)
            return
        case .connect(let host, let port, let intercept):
            egressConnect = (host, port, intercept)
            return
        }
        startExchange(head, framing, route: route)
    }

    /// Starts the exchange for an admitted request (or answers its Expect itself).
    private func startExchange(_ head: consuming HTTPRequestHead, _ framing: HTTP1BodyFraming, route: UpstreamTarget?) {
        waitingForHead = false
        // An absolute-form target is served as its origin-form: filters match paths and the
        // upstream (an HTTP/2 one above all) takes only origin-form.
        head.useOriginForm()
        requestComplete = false
        let (isKeepAlive, expectField, isHTTP10) = Self.keepAliveAndExpect(head)
        keepAlive = isKeepAlive
        if context.draining { closeAfterResponse = true }
        let shape: RequestBodyShape
        switch framing {
        case .none, .untilClose: shape = .none
        case .contentLength(let n): shape = .length(n)
        case .chunked: shape = .streaming
        }
        if let expect = expectField {
            if expect.lowercased() == "100-continue" {
                // RFC 9110 10.1.1 and 15.2: an HTTP/1.0 client's expectation is ignored and it
                // is never sent a 1xx, which it could not tell from the final response.
                if shape != .none && shape != .length(0) && !isHTTP10 {
                    connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
            } else {
                keepAlive = false
                noteRequest(head, dialect: APIDialect.forPath(head.path))
                let err = ProxyError.badRequest(417, code: "expectation_failed", "unsupported Expect: \(expect)")
                sendError(err, path: head.path)
                return
            }
        }
        let ex = ProxyExchange(context: context, downstream: self, head: consume head, bodyShape: shape)
        noteRequest(ex.requestHead, dialect: ex.dialect)
        ex.pin(to: route)
        exchange = ex
        responseInProgress = true
        if shape != .none && shape != .length(0) {
            waitingForBody = true
            armWaitTimer(seconds: context.options.bodyTimeout, idle: false)
        }
        ex.start()
    }

    /// The head's keep-alive, its Expect field and whether it is HTTP/1.0, read through a borrow: read from the
    /// consumed head in `startExchange`, its header storage was retained and released around
    /// the reads. Not inlined, or the reads would be the consumed head's again.
    @inline(never)
    private static func keepAliveAndExpect(_ head: borrowing HTTPRequestHead) -> (keepAlive: Bool, expect: String?, isHTTP10: Bool) {
        let expect = head.headers.firstIndex(lowercase: "expect").map { head.headers.value(at: $0) }
        return (head.isKeepAlive, expect, head.version == .http1_0)
    }

    private func protocolError(_ error: HTTP1ParseError) {
        Log.debug("bad request from \(clientIP ?? "?"): \(error.message)")
        keepAlive = false
        closeAfterResponse = true
        if let ex = exchange {
            exchange = nil
            if ex.responseStarted {
                ex.downstreamClosed()
                close()
                return
            }
            ex.downstreamClosed()
        }
        let err = ProxyError.badRequest(error.status, code: error.code.rawValue, error.message)
        responseInProgress = true
        sendError(err, dialect: requestDialect)
    }

    private func noteRequest(_ head: borrowing HTTPRequestHead, dialect: APIDialect) {
        requestIsHEAD = head.method == "HEAD"
        requestIsHTTP10 = head.version == .http1_0
        requestDialect = dialect
    }

    private func sendError(_ error: ProxyError, path: Substring) {
        sendError(error, dialect: APIDialect.forPath(path))
    }

    private func sendError(_ error: ProxyError, dialect: APIDialect) {
        let (head, body) = error.response(for: dialect)
        responseInProgress = true
        sendResponseHead(head, endStream: false)
        body.withUnsafeBytes { sendResponseBody($0) }
        sendResponseEnd(trailers: nil)
    }

    func connectionDidReadEOF(_ connection: Connection) {
        // Like nginx, an EOF while a request is in flight is a client abort: stop the upstream.
        if let ex = exchange {
            exchange = nil
            ex.downstreamClosed()
        }
        close()
    }

    func connectionDidDrain(_ connection: Connection) {
        exchange?.downstreamDrained()
    }

    func connection(_ connection: Connection, didFail error: TransportError) {
        Log.debug("downstream connection from \(clientIP ?? "?") failed: \(error.message)")
        if let ex = exchange {
            exchange = nil
            ex.downstreamClosed()
        }
        close()
    }

    func connectionDidBecomeActive(_ connection: Connection) {}

    // MARK: DownstreamStream

    func sendResponseHead(_ head: HTTPResponseHead, endStream: Bool) {
        guard !closed else { return }
        let isHead = requestIsHEAD
        let bodiless = head.status == 204 || head.status == 304 || (head.status >= 100 && head.status < 200)
        responseNoBody = endStream || isHead || bodiless
        responseChunked = false
        // One scan of the fields for Content-Length (each scan walks every name).
        let hasLength = head.headers.contains(lowercase: "content-length")
        responseDelimited = hasLength
        // The fields this connection adds go out after the head's own, written by the
        // serializer: adding them to a copy of the head copied its fields first.
        var framing: HTTP1Serializer.ExtraField?
        if !responseNoBody {
            if !hasLength {
                if requestIsHTTP10 {
                    keepAlive = false
                } else {
                    framing = ("transfer-encoding", "chunked")
                    responseChunked = true
                    responseDelimited = true
                }
            }
        } else if endStream && !isHead && !bodiless && !hasLength {
            framing = ("content-length", "0")
        }
        var connectionValue: StaticString?
        if !keepAlive || closeAfterResponse || !requestCompleteOrBodyless {
            connectionValue = "close"
            keepAlive = false
        } else if requestIsHTTP10 {
            connectionValue = "keep-alive"
        }
        if let connectionValue, head.headers.contains(lowercase: "connection") {
            // A head that has its own Connection field: replaced in place, as `set` does.
            var h = head
            if let framing { h.headers.add(name: framing.name, value: framing.value) }
            h.headers.set("connection", connectionValue.description)
            HTTP1Serializer.withResponseHead(h, version: .http1_1) { writeHead($0) }
        } else {
            HTTP1Serializer.withResponseHead(head, version: .http1_1, extra: framing,
                                             extra2: connectionValue.map { ("connection", $0) }) { writeHead($0) }
        }
        if endStream { responseFinished() }
    }

    private func writeHead(_ bytes: UnsafeRawBufferPointer) {
        metrics.sent(bytes.count)
        connection.write(bytes)
    }

    /// A response that starts before its request body was fully read cannot keep the
    /// connection: the rest of the body would have to be read and thrown away.
    private var requestCompleteOrBodyless: Bool { requestComplete || exchange?.bodyShape == RequestBodyShape.none }

    func sendResponseBody(_ bytes: UnsafeRawBufferPointer) {
        guard !closed, !responseNoBody, !bytes.isEmpty else { return }
        metrics.sent(bytes.count)
        if responseChunked {
            HTTP1Serializer.withChunkFraming(size: bytes.count) { connection.write($0, bytes, $1) }
        } else {
            connection.write(bytes)
        }
    }

    func sendResponseEnd(trailers: HTTPHeaders?) {
        guard !closed else { return }
        if responseChunked && !responseNoBody {
            scratch.removeAll(keepingCapacity: true)
            HTTP1Serializer.appendLastChunk(trailers: trailers, to: &scratch)
            metrics.sent(scratch.count)
            connection.write(scratch)
        }
        responseFinished()
    }

    func abortResponse() {
        exchange = nil
        // What was already queued (the head, part of the body) still goes out when the client
        // can see the cut (no last chunk, or short of Content-Length): "transfer closed with
        // outstanding data" tells more than an empty reply. A close-delimited body is dropped,
        // or its cut would read as a complete response.
        close(flushing: responseDelimited && !responseNoBody)
    }

    var responseBufferedBytes: Int { connection.outputBufferedBytes }
    func cork() { connection.cork() }
    func uncork() { connection.uncork() }
    func sendNow() { connection.flushNow() }

    func pauseRequestBody() {
        bodyPaused = true
        connection.pauseReading()
    }

    func resumeRequestBody() {
        guard bodyPaused else { return }
        bodyPaused = false
        // The stall clock restarts: the client has had no chance to send while held back, and
        // its next bytes are a read away (the timer may fire before that read).
        if waitingForBody { waitDeadline = context.loop.now &+ bodyTimeoutNanos }
        connection.resumeReading()
        processInbound()
    }

    // MARK: Lifecycle

    private func responseFinished() {
        responseInProgress = false
        waitingForBody = false
        exchange = nil
        guard requestComplete else {
            // Answered before the request was fully read: the connection cannot be reused.
            close(flushing: true)
            return
        }
        finishResponseCycle()
    }

    private func finishResponseCycle() {
        requestIsHEAD = false
        requestIsHTTP10 = false
        requestDialect = .openAI
        if !keepAlive || closeAfterResponse {
            close(flushing: true)
            return
        }
        waitingForHead = true
        armWaitTimer(seconds: context.options.idleTimeout, idle: true)
        if !bodyPaused { connection.resumeReading() }
        processInbound()
    }

    private var waitTimerIsIdle = false
    private var waitDeadline: UInt64 = 0

    /// One lazily re-armed timer per connection: a new wait only moves the deadline, so a
    /// keep-alive connection serving many requests costs no timer-heap work per request.
    private func armWaitTimer(seconds: Double, idle: Bool) {
        waitTimerIsIdle = idle
        waitDeadline = context.loop.now &+ UInt64(seconds * 1e9)
        if let t = waitTimer, !t.isCancelled, t.deadline <= waitDeadline { return }
        waitTimer?.cancel()
        scheduleWaitTimer(afterNanos: waitDeadline &- context.loop.now)
    }

    private func scheduleWaitTimer(afterNanos ns: UInt64) {
        waitTimer = context.loop.schedule(afterNanos: ns) { [self] in self.waitTimerFired() }
    }

    private var bodyTimeoutNanos: UInt64 { UInt64(context.options.bodyTimeout * 1e9) }

    private func waitTimerFired() {
        waitTimer = nil
        guard !closed, waitingForHead || waitingForBody else { return }
        let now = MonotonicClock.now()
        if now < waitDeadline {
            scheduleWaitTimer(afterNanos: waitDeadline - now)
            return
        }
        if waitingForBody {
            bodyWaitExpired(now: now)
            return
        }
        if !waitTimerIsIdle && (!inbound.isEmpty || !parser.isIdle) {
            // Slow or stalled head (slowloris): answer 408 and close.
            closeAfterResponse = true
            keepAlive = false
            responseInProgress = true
            sendError(ProxyError.badRequest(408, code: "request_timeout", "request head not received within \(context.options.headerTimeout)s"), path: "/")
        } else {
            close()
        }
    }

    /// No body bytes for the body timeout. A stall is the client's only while the proxy reads:
    /// not while it holds the body back (upstream backpressure), nor once the response has
    /// started (the upstream answered; the connection closes when that response ends).
    private func bodyWaitExpired(now: UInt64) {
        guard let ex = exchange, !requestComplete else {
            waitingForBody = false
            return
        }
        if bodyPaused || ex.responseStarted {
            waitDeadline = now &+ bodyTimeoutNanos
            scheduleWaitTimer(afterNanos: bodyTimeoutNanos)
            return
        }
        waitingForBody = false
        keepAlive = false
        closeAfterResponse = true
        Log.debug("request body from \(clientIP ?? "?") stalled for \(context.options.bodyTimeout)s")
        ex.refuseRequestBody(ProxyError.badRequest(408, code: "request_timeout", "request body stalled: no bytes for \(context.options.bodyTimeout)s"))
    }

    /// Gives the connection to the egress CONNECT handler; this handler is done with it.
    private func handOverToEgress(_ c: (host: String, port: UInt16, intercept: Bool), leftover: UnsafeRawBufferPointer) {
        egressConnect = nil
        guard let egress = context.services.egress else { return close() }
        closed = true
        waitTimer?.cancel()
        waitTimer = nil
        context.remove(self)
        let handler = EgressConnectHandler(context: context, egress: egress, connection: connection, host: c.host, port: c.port,
                                           intercept: c.intercept, leftover: Array(leftover))
        handler.start()
    }

    func beginDrain() {
        closeAfterResponse = true
        if exchange == nil && !responseInProgress { close(flushing: true) }
    }

    func forceClose() { close() }

    private func close(flushing: Bool = false) {
        guard !closed else { return }
        closed = true
        waitTimer?.cancel()
        waitTimer = nil
        if let ex = exchange {
            exchange = nil
            ex.downstreamClosed()
        }
        if flushing {
            // Still counted as open (drain waits for it) until its last bytes are written.
            connection.closeAfterFlush { [self] in self.context.remove(self) }
        } else {
            connection.close()
            context.remove(self)
        }
    }
}

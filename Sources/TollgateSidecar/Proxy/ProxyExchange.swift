import TollgateHTTP
import TollgateTransport

/// One proxied request: joins a downstream stream to an upstream stream, moving bytes both ways
/// with backpressure, and turns upstream failures into errors in the caller's protocol.
/// Lives on one loop; the downstream side owns it.
final class ProxyExchange {
    let context: LoopContext
    /// Strong until the exchange completes (a weak reference would cost every retain and
    /// release of the downstream object a side-table lookup).
    private(set) var downstream: (any DownstreamStream)?
    private(set) var upstream: (any UpstreamStream)?
    let requestHead: HTTPRequestHead
    let bodyShape: RequestBodyShape
    let dialect: APIDialect
    /// Kept here: the downstream stream may be gone by the time the exchange completes.
    private let protocolIndex: Int
    private let startNanos: UInt64
    private var pendingBody = ByteQueue()
    private var requestEnded: Bool
    private(set) var responseStarted = false
    private(set) var finished = false
    private var status = 0
    private var timeout: LoopTimer?

    init(context: LoopContext, downstream: any DownstreamStream, head: HTTPRequestHead, bodyShape: RequestBodyShape) {
        self.context = context
        self.downstream = downstream
        self.requestHead = head
        self.bodyShape = bodyShape
        self.dialect = APIDialect.forPath(head.path)
        self.requestEnded = bodyShape == .none
        self.protocolIndex = downstream.protocolIndex
        self.startNanos = context.loop.now
    }

    /// Sends the request on its way.
    func start() {
        guard let target = context.options.upstream else {
            fail(ProxyError(status: 404, type: "invalid_request_error", code: "no_route", message: "no upstream is configured for \(requestHead.path)"))
            return
        }
        let head = ProxyHeaders.upstreamRequest(
            from: requestHead, target: target, clientIP: downstream?.clientIP, downstreamTLS: downstream?.isTLS ?? false,
            bodyLength: { if case .length(let n) = bodyShape { return n } else { return nil } }())
        timeout = context.loop.schedule(afterSeconds: context.options.upstreamTimeout) { [self] in
            self.timedOut()
        }
        context.pool.open(exchange: self, target: target, head: head, bodyShape: bodyShape)
    }

    // MARK: From downstream

    func receiveRequestBody(_ bytes: UnsafeRawBufferPointer) {
        guard !finished else { return }
        if let up = upstream {
            up.sendRequestBody(bytes)
            if up.requestBufferedBytes > FlowLimits.highWater { downstream?.pauseRequestBody() }
        } else {
            pendingBody.append(bytes)
            if pendingBody.count > FlowLimits.highWater { downstream?.pauseRequestBody() }
        }
    }

    func receiveRequestEnd() {
        guard !finished, !requestEnded else { return }
        requestEnded = true
        upstream?.sendRequestEnd()
    }

    func downstreamDrained() {
        upstream?.resumeResponseBody()
    }

    /// The client went away or reset the stream before the response ended.
    func downstreamClosed() {
        guard !finished else { return }
        context.metrics.clientAbort()
        let up = upstream
        upstream = nil
        up?.cancel()
        complete(status: 499)
    }

    // MARK: From upstream

    func upstreamAttached(_ up: any UpstreamStream) {
        guard !finished else {
            up.cancel()
            return
        }
        upstream = up
        if !pendingBody.isEmpty {
            pendingBody.withReadableBytes { up.sendRequestBody($0) }
            pendingBody.removeAll()
        }
        if requestEnded && bodyShape != .none { up.sendRequestEnd() }
        if up.requestBufferedBytes <= FlowLimits.highWater { downstream?.resumeRequestBody() }
    }

    func upstreamDrained() {
        downstream?.resumeRequestBody()
    }

    func upstreamResponseHead(_ head: HTTPResponseHead, endStream: Bool) {
        guard !finished, let down = downstream else { return }
        responseStarted = true
        status = head.status
        // Completion is recorded before the last bytes go out, so a client that reads its
        // response and then scrapes /metrics always sees its request counted.
        if endStream { complete(status: head.status) }
        down.sendResponseHead(ProxyHeaders.downstreamResponse(from: head), endStream: endStream)
    }

    func upstreamResponseBody(_ bytes: UnsafeRawBufferPointer) {
        guard !finished, let down = downstream else { return }
        down.sendResponseBody(bytes)
        if down.responseBufferedBytes > FlowLimits.highWater { upstream?.pauseResponseBody() }
    }

    func upstreamResponseEnd(trailers: HTTPHeaders?) {
        guard !finished else { return }
        upstream = nil
        let down = downstream
        complete(status: status)
        down?.sendResponseEnd(trailers: trailers)
    }

    /// The upstream failed: before the response began the client gets an error in its protocol;
    /// after, the response is cut so the client can tell it is incomplete.
    func upstreamFailed(_ error: ProxyError) {
        guard !finished else { return }
        upstream = nil
        context.metrics.upstreamError()
        Log.warning("upstream \(context.options.upstream?.description ?? "-") failed for \(requestHead.method) \(requestHead.path): \(error.message)")
        fail(error)
    }

    private func timedOut() {
        guard !finished else { return }
        let up = upstream
        upstream = nil
        up?.cancel()
        context.metrics.upstreamError()
        Log.warning("upstream timeout after \(context.options.upstreamTimeout)s for \(requestHead.method) \(requestHead.path)")
        fail(.upstreamTimeout("no complete response within \(context.options.upstreamTimeout)s"))
    }

    private func fail(_ error: ProxyError) {
        guard let down = downstream else {
            complete(status: error.status)
            return
        }
        if responseStarted {
            complete(status: status)
            down.abortResponse()
        } else {
            let (head, body) = error.response(for: dialect)
            responseStarted = true
            complete(status: error.status)
            down.sendResponseHead(head, endStream: body.isEmpty)
            if !body.isEmpty {
                body.withUnsafeBytes { down.sendResponseBody($0) }
                down.sendResponseEnd(trailers: nil)
            }
        }
    }

    private func complete(status: Int) {
        guard !finished else { return }
        finished = true
        timeout?.cancel()
        timeout = nil
        downstream = nil
        let seconds = Double(MonotonicClock.now() &- startNanos) / 1e9
        context.metrics.recordRequest(protocolIndex: protocolIndex, status: status, seconds: seconds)
    }
}

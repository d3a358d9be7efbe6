import TollgateTransport

/// The body timeout for HTTP/2 streams: a stream whose client stops sending its request body
/// for `bodyTimeout` is answered 408, as over HTTP/1.1. One timer per connection serves all
/// its streams; bytes received only move a stream's deadline, so a busy connection costs no
/// timer work per request.
extension HTTP2ServerConnection {
    var bodyTimeoutNanos: UInt64 { UInt64(context.options.bodyTimeout * 1e9) }

    func watchBody(of stream: HTTP2ServerStream) {
        stream.awaitingBody = true
        stream.bodyDeadline = context.loop.now &+ bodyTimeoutNanos
        if bodyWatchTimer == nil { scheduleBodyWatch(afterNanos: bodyTimeoutNanos) }
    }

    private func scheduleBodyWatch(afterNanos ns: UInt64) {
        bodyWatchTimer = context.loop.schedule(afterNanos: ns) { [self] in self.bodyWatchFired() }
    }

    /// Answers every stalled stream, then sleeps until the earliest deadline still pending.
    private func bodyWatchFired() {
        bodyWatchTimer = nil
        let now = MonotonicClock.now()
        var next = UInt64.max
        var stalled: [HTTP2ServerStream] = []
        forEachStream { s in
            guard s.awaitingBody, let ex = s.exchange else {
                s.awaitingBody = false
                return
            }
            // Held back by the proxy (upstream backpressure) or already answered: not a stall.
            if s.gate.paused || ex.responseStarted { s.bodyDeadline = now &+ bodyTimeoutNanos }
            if s.bodyDeadline <= now {
                stalled.append(s)
            } else {
                next = min(next, s.bodyDeadline)
            }
        }
        for s in stalled {
            s.awaitingBody = false
            Log.debug("HTTP/2 request body on stream \(s.streamID) stalled for \(context.options.bodyTimeout)s")
            s.exchange?.refuseRequestBody(.badRequest(408, code: "request_timeout", "request body stalled: no bytes for \(context.options.bodyTimeout)s"))
        }
        if next != .max { scheduleBodyWatch(afterNanos: next &- now) }
        if !stalled.isEmpty { flush() }
    }
}

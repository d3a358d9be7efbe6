import TollgateHTTP2

/// Backpressure for the bytes one HTTP/2 stream receives: while the consumer is paused, received
/// DATA is not acknowledged (no WINDOW_UPDATE), so the peer stops at its flow-control window;
/// resuming acknowledges what was held back.
struct HTTP2ReceiveGate {
    private(set) var paused = false
    private var unacknowledged = 0

    /// Bytes were delivered to the consumer: acknowledge them now unless paused.
    mutating func received(_ count: Int, streamID: Int32, session: HTTP2Session) {
        if paused { unacknowledged += count } else { session.consume(streamID: streamID, count: count) }
    }

    mutating func pause() { paused = true }

    /// Returns whether a WINDOW_UPDATE was queued (the caller flushes the session).
    mutating func resume(streamID: Int32, session: HTTP2Session) -> Bool {
        guard paused else { return false }
        paused = false
        guard unacknowledged > 0 else { return false }
        session.consume(streamID: streamID, count: unacknowledged)
        unacknowledged = 0
        return true
    }

    /// The consumer is done with the stream (it ended, was reset or cancelled): what was held
    /// back is acknowledged. Those bytes also count against the connection's window, which
    /// only `consume` reopens; left held, each such stream shrank it for good, until every
    /// stream of the connection stalled. Returns whether a WINDOW_UPDATE was queued.
    mutating func release(streamID: Int32, session: HTTP2Session) -> Bool {
        resume(streamID: streamID, session: session)
    }
}

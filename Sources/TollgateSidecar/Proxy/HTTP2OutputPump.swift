import TollgateHTTP2

/// Moves an HTTP2Session's frames to its socket, and feeds it received bytes. nghttp2 calls back
/// while it parses and serializes (request delivered, stream closed, outbound drained), and those
/// callbacks may ask for a flush: a flush asked for during `receive` waits for the one the owner
/// makes after it; one asked for during a pump, or while corked, becomes one more round of the
/// running pump instead of re-entering nghttp2. Every HTTP/2 connection owner (data-plane server,
/// upstream client, coordinator server) drives its session through one of these.
final class HTTP2OutputPump {
    private var buffer: [UInt8] = []
    private var pumping = false
    private var receiving = false
    private var again = false
    private var corkDepth = 0

    func cork() { corkDepth += 1 }

    /// Returns whether a pump was asked for while corked (the caller should flush now).
    func uncork() -> Bool {
        guard corkDepth > 0 else { return false }
        corkDepth -= 1
        return corkDepth == 0 && again
    }

    /// Feeds received bytes to the session. On a thrown connection error the session has
    /// queued its GOAWAY: the caller flushes and closes. Either way the caller flushes after.
    func receive(_ bytes: UnsafeRawBufferPointer, into session: HTTP2Session) throws(HTTP2SessionError) {
        receiving = true
        defer { receiving = false }
        try session.receive(bytes)
    }

    /// Takes every frame the session has and hands it to `write`, round after round while
    /// callbacks keep asking. Returns false when the pump was deferred (receiving, already
    /// running or corked) or `isClosed` turned true; true when it ran to the end.
    func pump(_ session: HTTP2Session, isClosed: () -> Bool, write: ([UInt8]) -> Void) throws(HTTP2SessionError) -> Bool {
        if corkDepth > 0 && !receiving && !pumping {
            again = true
            return false
        }
        return try pumpNow(session, isClosed: isClosed, write: write)
    }

    /// `pump`, but through a cork: for bytes that must leave at once (`DownstreamStream.sendNow`).
    /// Still deferred while receiving or pumping, where nghttp2 is on the stack.
    func pumpNow(_ session: HTTP2Session, isClosed: () -> Bool, write: ([UInt8]) -> Void) throws(HTTP2SessionError) -> Bool {
        if receiving { return false }
        if pumping {
            again = true
            return false
        }
        pumping = true
        defer { pumping = false }
        repeat {
            again = false
            buffer.removeAll(keepingCapacity: true)
            try session.takeOutput(into: &buffer)
            if !buffer.isEmpty { write(buffer) }
            if isClosed() { return false }
        } while again
        return true
    }
}

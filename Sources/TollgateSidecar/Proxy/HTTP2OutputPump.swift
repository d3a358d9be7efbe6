import TollgateHTTP2

/// Moves an HTTP2Session's frames to its socket. nghttp2 calls back while it serializes
/// (stream closed, outbound drained), and those callbacks may ask for another flush: a flush
/// asked for during a pump, or while corked, becomes one more round of the running pump instead
/// of re-entering nghttp2.
final class HTTP2OutputPump {
    private var buffer: [UInt8] = []
    private var pumping = false
    private var again = false
    private var corkDepth = 0

    func cork() { corkDepth += 1 }

    /// Returns whether a pump was asked for while corked (the caller should flush now).
    func uncork() -> Bool {
        guard corkDepth > 0 else { return false }
        corkDepth -= 1
        return corkDepth == 0 && again
    }

    /// Takes every frame the session has and hands it to `write`, round after round while
    /// callbacks keep asking. Returns false when the pump was deferred (already running or
    /// corked) or `isClosed` turned true; true when it ran to the end.
    func pump(_ session: HTTP2Session, isClosed: () -> Bool, write: ([UInt8]) -> Void) throws(HTTP2SessionError) -> Bool {
        if pumping || corkDepth > 0 {
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

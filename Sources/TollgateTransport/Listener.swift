import Glibc

/// A listening socket on one loop. With SO_REUSEPORT every loop has its own listener on the
/// same address, so accepted connections stay on the loop that accepted them.
/// Loop-confined: other threads reach it only through `loop.execute`.
public final class Listener: FDHandler, @unchecked Sendable {
    public let loop: EventLoop
    public let fd: Int32
    public let address: SocketAddress
    public let tls: TLSContext?
    private let onAccept: (Listener, Int32, SocketAddress?) -> Void
    public private(set) var isClosed = false

    public init(address: SocketAddress, loop: EventLoop, reusePort: Bool, tls: TLSContext?,
                onAccept: @escaping (Listener, Int32, SocketAddress?) -> Void) throws(TransportError) {
        self.loop = loop
        self.tls = tls
        self.onAccept = onAccept
        fd = try Socket.listen(address, reusePort: reusePort)
        self.address = Socket.localAddress(fd) ?? address
        do {
            try loop.register(fd: fd, events: IOEvent.readable, handler: self)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    public func handleEvents(_ events: UInt32) {
        // Bounded batch per wakeup keeps accept fair against established connections.
        for _ in 0..<64 {
            guard !isClosed, let (cfd, peer) = Socket.accept(fd) else { return }
            onAccept(self, cfd, peer)
        }
    }

    /// Stops accepting; queued but unaccepted connections are reset by the kernel.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        loop.unregister(fd: fd)
        Glibc.close(fd)
    }
}

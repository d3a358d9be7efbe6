import CTollgateLinux
import COpenSSL
import Glibc

/// What a connection tells its owner. All calls happen on the connection's loop.
public protocol ConnectionDelegate: AnyObject {
    /// Outbound: connected (and TLS handshake done). Inbound TLS: handshake done. Plain inbound
    /// connections are active from the start and get no call.
    func connectionDidBecomeActive(_ connection: Connection)
    /// Bytes arrived. They live in the loop's shared read buffer: consume or copy them now.
    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer)
    /// The peer finished sending (EOF). The connection stays open for writing until `close`.
    func connectionDidReadEOF(_ connection: Connection)
    /// Everything queued was written (after the queue had held data): producers may resume.
    func connectionDidDrain(_ connection: Connection)
    /// The connection failed or was reset; the fd is already closed. Not called for `close()`.
    func connection(_ connection: Connection, didFail error: TransportError)
}

/// A non-blocking TCP connection, optionally TLS, owned by one event loop. Reads go through
/// the loop's shared buffer; writes try the socket at once and queue the rest.
public final class Connection: FDHandler, DeferredFlush {
    public enum State: Sendable { case connecting, handshaking, active, closed }

    public let loop: EventLoop
    public let fd: Int32
    public let peer: SocketAddress?
    public var delegate: (any ConnectionDelegate)?
    public private(set) var state: State
    /// The negotiated ALPN protocol ("h2", "http/1.1") once a TLS handshake is done.
    public private(set) var alpn: String?
    public private(set) var bytesRead: UInt64 = 0
    public private(set) var bytesWritten: UInt64 = 0

    private var ssl: OpaquePointer?
    private var output = ByteQueue()
    private var readPaused = false
    private var readEOF = false
    private var interest: UInt32 = 0
    private var tlsWantsWrite = false
    private var closeWhenFlushed = false
    private var pendingTLSReadScheduled = false
    private var corkDepth = 0
    private var flushQueued = false
    private var onClosed: (() -> Void)?

    /// Adopts an accepted socket. With `tls`, the server handshake runs first.
    public init(accepted fd: Int32, peer: SocketAddress?, loop: EventLoop, tls: TLSContext?) throws(TransportError) {
        self.loop = loop
        self.fd = fd
        self.peer = peer
        Socket.setNoDelay(fd)
        if let tls {
            ssl = try tls.makeSSL(fd: fd, serverName: nil)
            state = .handshaking
        } else {
            state = .active
        }
        interest = EPOLLIN.rawValue
        try registerOrRelease()
    }

    /// Starts connecting to `address`. With `tls`, the client handshake (SNI = `serverName`) follows.
    public init(connectingTo address: SocketAddress, loop: EventLoop, tls: TLSContext?, serverName: String?) throws(TransportError) {
        self.loop = loop
        fd = try Socket.connect(address)
        peer = address
        if let tls {
            do {
                ssl = try tls.makeSSL(fd: fd, serverName: serverName)
            } catch {
                Glibc.close(fd)
                throw error
            }
        }
        state = .connecting
        interest = EPOLLOUT.rawValue
        try registerOrRelease()
    }

    /// Registers with the loop; on failure frees what the initializer acquired.
    private func registerOrRelease() throws(TransportError) {
        do {
            try loop.register(fd: fd, events: interest, handler: self)
        } catch {
            if let ssl { SSL_free(ssl) }
            ssl = nil
            state = .closed
            Glibc.close(fd)
            throw error
        }
    }

    /// Sends `preamble` in plaintext, then starts a server TLS handshake on this plain accepted
    /// connection (an egress proxy answering CONNECT, then intercepting). The delegate gets
    /// `connectionDidBecomeActive` when the handshake is done.
    public func startServerTLS(_ tls: TLSContext, preamble: [UInt8]) throws(TransportError) {
        guard ssl == nil, state == .active, output.isEmpty, tls.isServer else {
            throw TransportError(.tls, "cannot start TLS on this connection")
        }
        var sent = 0
        while sent < preamble.count {
            let n = preamble.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw TransportError.errno("send") }
            bytesWritten &+= UInt64(n)
            sent += n
        }
        ssl = try tls.makeSSL(fd: fd, serverName: nil)
        state = .handshaking
        readPaused = false
        setInterest(EPOLLIN.rawValue)
    }

    public var isTLS: Bool { ssl != nil }
    public var outputBufferedBytes: Int { output.count }
    public var isClosed: Bool { state == .closed }

    // MARK: Writing

    /// Holds writes until the matching `uncork`, so a burst (every event of one upstream read)
    /// leaves in one system call instead of one per event. Nests.
    public func cork() { corkDepth += 1 }

    public func uncork() {
        guard corkDepth > 0 else { return }
        corkDepth -= 1
        if corkDepth == 0 { queueFlush() }
    }

    private func queueFlush() {
        guard !flushQueued, state == .active, !output.isEmpty else { return }
        flushQueued = true
        loop.deferFlush(self)
    }

    /// Sends what is queued right away, even while corked: for bytes whose latency matters
    /// more than one extra system call (a stream's first event, the client's time to first
    /// token). TCP and TLS alike, and best effort: whatever is left, and any error, goes through
    /// the deferred flush as usual, so no delegate is called from here.
    public func flushNow() {
        guard state == .active else { return }
        while !output.isEmpty {
            let n = output.withReadableBytes { sendNow($0) }
            if n <= 0 { break }
            bytesWritten &+= UInt64(n)
            output.consume(n)
        }
    }

    /// One send for `flushNow`: bytes sent, or 0 for "later" (socket full, TLS wants to wait,
    /// or an error the deferred flush will meet again and report).
    private func sendNow(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let ssl else { return max(0, Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))) }
        ERR_clear_error()
        let n = SSL_write(ssl, bytes.baseAddress, Int32(min(bytes.count, Int(Int32.max))))
        if n > 0 {
            tlsWantsWrite = false
            return Int(n)
        }
        // A retried SSL_write must see the same bytes: they stay first in `output`, and the
        // contexts accept a moved buffer.
        tlsWantsWrite = SSL_get_error(ssl, n) == SSL_ERROR_WANT_WRITE
        ERR_clear_error()
        return 0
    }

    public func flushDeferred() {
        flushQueued = false
        guard state == .active, corkDepth == 0, !output.isEmpty else { return }
        flushAndNotify()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard state != .closed, !bytes.isEmpty else { return }
        // Queued and sent when the loop finishes the current dispatch round (or when connected).
        output.append(bytes)
        if corkDepth == 0 { queueFlush() }
    }

    /// Writes `prefix`, `bytes` and `suffix` as one piece (a chunk and its framing).
    public func write(_ prefix: UnsafeRawBufferPointer, _ bytes: UnsafeRawBufferPointer, _ suffix: UnsafeRawBufferPointer) {
        guard state != .closed else { return }
        output.append(prefix, bytes, suffix)
        if corkDepth == 0 { queueFlush() }
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Writes what is queued; returns false if the connection failed.
    @discardableResult
    private func flush() -> Bool {
        while !output.isEmpty {
            let n = output.withReadableBytes { send($0) }
            if n < 0 { return false }
            if n == 0 { break }
            output.consume(n)
        }
        return true
    }

    /// Sends directly; returns bytes sent, 0 if the socket is full, -1 after failing the connection.
    private func send(_ bytes: UnsafeRawBufferPointer) -> Int {
        if let ssl {
            ERR_clear_error()
            let n = SSL_write(ssl, bytes.baseAddress, Int32(min(bytes.count, Int(Int32.max))))
            if n > 0 {
                bytesWritten &+= UInt64(n)
                tlsWantsWrite = false
                return Int(n)
            }
            let err = SSL_get_error(ssl, n)
            if err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ {
                tlsWantsWrite = err == SSL_ERROR_WANT_WRITE
                return 0
            }
            fail(TLSContext.lastError("TLS write failed"))
            return -1
        }
        let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        if n >= 0 {
            bytesWritten &+= UInt64(n)
            return n
        }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return 0 }
        fail(.errno("send"))
        return -1
    }

    // MARK: Reading control

    /// Stops reading (backpressure). Peer errors and hangups are still reported.
    public func pauseReading() {
        guard !readPaused else { return }
        readPaused = true
        updateInterest()
    }

    public func resumeReading() {
        guard readPaused else { return }
        readPaused = false
        updateInterest()
        // OpenSSL may hold decrypted bytes that epoll will never report; read them soon, but never
        // re-entrantly (the caller may be inside a read callback using the shared buffer).
        if let ssl, state == .active, SSL_pending(ssl) > 0, !pendingTLSReadScheduled {
            pendingTLSReadScheduled = true
            loop.schedule(afterNanos: 0) { [weak self] in
                guard let self else { return }
                self.pendingTLSReadScheduled = false
                if !self.readPaused && self.state == .active { self.readAvailable() }
            }
        }
    }

    public var isReadPaused: Bool { readPaused }

    // MARK: Closing

    /// Closes now, dropping unsent output. The delegate gets no further calls.
    public func close() {
        guard state != .closed else { return }
        state = .closed
        loop.unregister(fd: fd)
        if let ssl {
            SSL_free(ssl)
            self.ssl = nil
        }
        Glibc.close(fd)
        output.removeAll()
        delegate = nil
        if let cb = onClosed {
            onClosed = nil
            cb()
        }
    }

    /// Closes once queued output is written (TLS close_notify and FIN are sent first).
    /// `onClosed` runs when the socket is really closed (however that happens), so an owner can
    /// count the connection as open until its last bytes are out.
    public func closeAfterFlush(onClosed: (() -> Void)? = nil) {
        guard state != .closed else {
            onClosed?()
            return
        }
        if let onClosed { self.onClosed = onClosed }
        delegate = nil
        readPaused = true
        if output.isEmpty {
            shutdownAndClose()
        } else {
            closeWhenFlushed = true
            queueFlush()
            updateInterest()
        }
    }

    /// Closes with a TCP RST (SO_LINGER 0), for aborting a stream mid-way.
    public func reset() {
        guard state != .closed else { return }
        var lin = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    private func shutdownAndClose() {
        if let ssl, state == .active { _ = SSL_shutdown(ssl) }
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        close()
    }

    private func fail(_ error: TransportError) {
        guard state != .closed else { return }
        let d = delegate
        close()
        d?.connection(self, didFail: error)
    }

    // MARK: Events

    public func handleEvents(_ events: UInt32) {
        switch state {
        case .closed:
            return
        case .connecting:
            let err = Socket.pendingError(fd)
            if err != 0 || events & EPOLLERR.rawValue != 0 {
                fail(.errno("connect to \(peer.map { "\($0)" } ?? "?")", err == 0 ? ECONNREFUSED : err))
                return
            }
            if ssl != nil {
                state = .handshaking
                handshake()
            } else {
                state = .active
                updateInterest()
                delegate?.connectionDidBecomeActive(self)
                if state == .active && !output.isEmpty { flushAndNotify() }
            }
        case .handshaking:
            handshake()
        case .active:
            if events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 && !readPaused {
                readAvailable()
            } else if events & EPOLLERR.rawValue != 0 {
                fail(.errno("socket", Socket.pendingError(fd)))
                return
            }
            if state == .active && events & EPOLLOUT.rawValue != 0 {
                flushAndNotify()
            }
        }
    }

    private func flushAndNotify() {
        let hadOutput = !output.isEmpty || tlsWantsWrite
        guard flush() else { return }
        if output.isEmpty {
            if closeWhenFlushed {
                shutdownAndClose()
                return
            }
            updateInterest()
            if hadOutput { delegate?.connectionDidDrain(self) }
        } else {
            updateInterest()
        }
    }

    private func handshake() {
        guard let ssl else { return }
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            var p: UnsafePointer<UInt8>?
            var len: UInt32 = 0
            SSL_get0_alpn_selected(ssl, &p, &len)
            if let p, len > 0 { alpn = String(decoding: UnsafeBufferPointer(start: p, count: Int(len)), as: UTF8.self) }
            state = .active
            updateInterest()
            delegate?.connectionDidBecomeActive(self)
            if state == .active {
                if !output.isEmpty { flushAndNotify() }
                if state == .active && !readPaused && SSL_pending(ssl) > 0 { readAvailable() }
            }
            return
        }
        let err = SSL_get_error(ssl, rc)
        if err == SSL_ERROR_WANT_READ {
            setInterest(EPOLLIN.rawValue)
        } else if err == SSL_ERROR_WANT_WRITE {
            setInterest(EPOLLIN.rawValue | EPOLLOUT.rawValue)
        } else {
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                let text = String(cString: X509_verify_cert_error_string(verify))
                ERR_clear_error()
                fail(TransportError(.tlsVerification, "TLS certificate verification failed: \(text)"))
            } else {
                fail(TLSContext.lastError("TLS handshake failed"))
            }
        }
    }

    private func readAvailable() {
        let buf = loop.readBuffer
        // Bounded per wakeup so one busy connection cannot starve the rest of the loop.
        var rounds = 0
        while state == .active && !readPaused && rounds < 8 {
            rounds += 1
            let n: Int
            if let ssl {
                ERR_clear_error()
                let r = SSL_read(ssl, buf.baseAddress, Int32(buf.count))
                if r > 0 {
                    n = Int(r)
                } else {
                    let err = SSL_get_error(ssl, r)
                    if err == SSL_ERROR_WANT_READ { return }
                    if err == SSL_ERROR_WANT_WRITE {
                        tlsWantsWrite = true
                        updateInterest()
                        return
                    }
                    if err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && Glibc.errno == 0) {
                        n = 0
                    } else {
                        fail(TLSContext.lastError("TLS read failed"))
                        return
                    }
                }
            } else {
                let r = Glibc.read(fd, buf.baseAddress, buf.count)
                if r < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                    fail(.errno("read"))
                    return
                }
                n = r
            }
            if n == 0 {
                guard !readEOF else { return }
                readEOF = true
                readPaused = true
                updateInterest()
                delegate?.connectionDidReadEOF(self)
                return
            }
            bytesRead &+= UInt64(n)
            delegate?.connection(self, didRead: UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            if ssl == nil && n < buf.count { return }
        }
        if state == .active && !readPaused, let ssl, SSL_pending(ssl) > 0 {
            resumeAfterYield()
        }
    }

    private func resumeAfterYield() {
        guard !pendingTLSReadScheduled else { return }
        pendingTLSReadScheduled = true
        loop.schedule(afterNanos: 0) { [weak self] in
            guard let self else { return }
            self.pendingTLSReadScheduled = false
            if !self.readPaused && self.state == .active { self.readAvailable() }
        }
    }

    private func updateInterest() {
        guard state == .active else { return }
        var ev: UInt32 = 0
        if !readPaused { ev |= EPOLLIN.rawValue }
        if !output.isEmpty || tlsWantsWrite { ev |= EPOLLOUT.rawValue }
        setInterest(ev)
    }

    private func setInterest(_ ev: UInt32) {
        guard ev != interest, state != .closed else { return }
        interest = ev
        loop.modify(fd: fd, events: ev)
    }
}

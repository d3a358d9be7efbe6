import COpenSSL
import Glibc

/// A TCP connection, optionally TLS, for a dedicated thread that may block (the sidecar's
/// cluster sync thread, the coordinator load generator): every call waits in poll() and ends
/// by the caller's deadline, so a blackholed peer costs at most the time the caller allowed.
/// Not for event loops; those use `Connection`.
public final class BlockingConnection {
    public let fd: Int32
    public let peer: SocketAddress
    /// The negotiated ALPN protocol after a TLS handshake ("h2", "http/1.1"), nil without one.
    public private(set) var alpn: String?
    private var ssl: OpaquePointer?
    private var closed = false

    /// Connects (and with `tls`, handshakes, verifying `serverName` as a DNS name or IP address)
    /// before `deadline` (MonotonicClock nanoseconds).
    public init(connectingTo address: SocketAddress, tls: TLSContext?, serverName: String?, deadline: UInt64) throws(TransportError) {
        fd = try Socket.connect(address)
        peer = address
        do throws(TransportError) {
            try Self.wait(fd, Int16(POLLOUT), deadline, "connect to \(address)", code: .connectTimeout)
            let err = Socket.pendingError(fd)
            if err != 0 { throw TransportError.errno("connect to \(address)", err) }
            if let tls {
                let s = try tls.makeSSL(fd: fd, serverName: serverName)
                ssl = s
                try handshake(s, deadline: deadline)
            }
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    public var isTLS: Bool { ssl != nil }

    public func close() {
        guard !closed else { return }
        closed = true
        if let ssl { SSL_free(ssl) }
        ssl = nil
        Glibc.close(fd)
    }

    private func handshake(_ s: OpaquePointer, deadline: UInt64) throws(TransportError) {
        while true {
            ERR_clear_error()
            let rc = SSL_do_handshake(s)
            if rc == 1 { break }
            let err = SSL_get_error(s, rc)
            if err == SSL_ERROR_WANT_READ {
                try Self.wait(fd, Int16(POLLIN), deadline, "TLS handshake with \(peer)")
            } else if err == SSL_ERROR_WANT_WRITE {
                try Self.wait(fd, Int16(POLLOUT), deadline, "TLS handshake with \(peer)")
            } else {
                let verify = SSL_get_verify_result(s)
                if verify != X509_V_OK {
                    let text = String(cString: X509_verify_cert_error_string(verify))
                    ERR_clear_error()
                    throw TransportError(.tlsVerification, "TLS certificate verification of \(peer) failed: \(text)")
                }
                throw TLSContext.lastError("TLS handshake with \(peer) failed")
            }
        }
        var p: UnsafePointer<UInt8>?
        var len: UInt32 = 0
        SSL_get0_alpn_selected(s, &p, &len)
        if let p, len > 0 { alpn = String(decoding: UnsafeBufferPointer(start: p, count: Int(len)), as: UTF8.self) }
    }

    /// Writes all of `bytes` before `deadline`.
    public func write(_ bytes: UnsafeRawBufferPointer, deadline: UInt64) throws(TransportError) {
        var off = 0
        while off < bytes.count {
            guard !closed else { throw TransportError(.closed, "connection closed") }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[off...])
            if let ssl {
                ERR_clear_error()
                let n = SSL_write(ssl, rest.baseAddress, Int32(min(rest.count, Int(Int32.max))))
                if n > 0 { off += Int(n); continue }
                let err = SSL_get_error(ssl, n)
                if err == SSL_ERROR_WANT_WRITE {
                    try Self.wait(fd, Int16(POLLOUT), deadline, "write to \(peer)")
                } else if err == SSL_ERROR_WANT_READ {
                    try Self.wait(fd, Int16(POLLIN), deadline, "write to \(peer)")
                } else {
                    throw alertOrError(TLSContext.lastError("TLS write to \(peer) failed"))
                }
                continue
            }
            let n = Glibc.send(fd, rest.baseAddress, rest.count, Int32(MSG_NOSIGNAL))
            if n > 0 { off += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                try Self.wait(fd, Int16(POLLOUT), deadline, "write to \(peer)")
                continue
            }
            throw TransportError.errno("send to \(peer)")
        }
    }

    /// Reads what is available (waiting until `deadline` for something); 0 means the peer closed.
    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: UInt64) throws(TransportError) -> Int {
        while true {
            guard !closed else { throw TransportError(.closed, "connection closed") }
            if let ssl {
                ERR_clear_error()
                let r = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
                if r > 0 { return Int(r) }
                let err = SSL_get_error(ssl, r)
                if err == SSL_ERROR_WANT_READ {
                    try Self.wait(fd, Int16(POLLIN), deadline, "read from \(peer)")
                } else if err == SSL_ERROR_WANT_WRITE {
                    try Self.wait(fd, Int16(POLLOUT), deadline, "read from \(peer)")
                } else if err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && errno == 0) {
                    return 0
                } else {
                    throw TLSContext.lastError("TLS read from \(peer) failed")
                }
                continue
            }
            let r = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if r >= 0 { return r }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                try Self.wait(fd, Int16(POLLIN), deadline, "read from \(peer)")
                continue
            }
            throw TransportError.errno("read from \(peer)")
        }
    }

    /// A failed TLS write often means the peer sent an alert and closed (a server refusing our
    /// client certificate after a TLS 1.3 handshake, which completes first on the client): the
    /// alert, if it is already here, says why far better than the failed write.
    private func alertOrError(_ writeError: TransportError) -> TransportError {
        guard let ssl else { return writeError }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 || SSL_pending(ssl) > 0 else { return writeError }
        var byte: UInt8 = 0
        ERR_clear_error()
        let r = SSL_read(ssl, &byte, 1)
        guard r <= 0, SSL_get_error(ssl, r) == SSL_ERROR_SSL else { return writeError }
        let alert = TLSContext.lastError("TLS connection to \(peer) closed by the peer")
        return alert.message.contains("alert") ? alert : writeError
    }

    /// Polls `fd` for `events` until `deadline`; an error or hangup returns so the next call sees it.
    static func wait(_ fd: Int32, _ events: Int16, _ deadline: UInt64, _ what: @autoclosure () -> String,
                     code: TransportError.Code = .syscall) throws(TransportError) {
        while true {
            let now = MonotonicClock.now()
            guard now < deadline else { throw TransportError(code, "\(what()) timed out") }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let ms = Int32(min((deadline - now + 999_999) / 1_000_000, 60_000))
            let rc = poll(&p, 1, ms)
            if rc > 0 { return }
            if rc < 0 && errno != EINTR { throw TransportError.errno("poll") }
        }
    }
}

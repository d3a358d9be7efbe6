import CTollgateLinux
import Glibc

/// Thin wrappers over the socket system calls used by listeners and connections.
public enum Socket {
    /// Ignores SIGPIPE process-wide; sends also use MSG_NOSIGNAL.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// A non-blocking listening socket. With `reusePort`, each event loop binds its own socket
    /// to the same address and the kernel spreads connections between them.
    public static func listen(_ address: SocketAddress, reusePort: Bool, backlog: Int32 = 1024) throws(TransportError) -> Int32 {
        let domain = address.family == .inet ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .errno("socket") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort { _ = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let rc = address.withSockAddr { bind(fd, $0, $1) }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw .errno("bind \(address)", e)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let e = errno
            close(fd)
            throw .errno("listen \(address)", e)
        }
        return fd
    }

    /// The bound address of a socket (for port 0 listeners).
    public static func localAddress(_ fd: Int32) -> SocketAddress? {
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &ss) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard rc == 0 else { return nil }
        return SocketAddress.from(storage: &ss)
    }

    /// Accepts one connection (non-blocking, close-on-exec). nil when none is pending.
    public static func accept(_ listenFD: Int32) -> (fd: Int32, peer: SocketAddress?)? {
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &ss) {
            tg_accept4(listenFD, UnsafeMutableRawPointer($0), &len, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
        }
        guard fd >= 0 else { return nil }
        return (fd, SocketAddress.from(storage: &ss))
    }

    /// Starts a non-blocking connect. Returns the fd; completion is signalled by writability.
    public static func connect(_ address: SocketAddress) throws(TransportError) -> Int32 {
        let domain = address.family == .inet ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .errno("socket") }
        let rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        if rc != 0 && errno != EINPROGRESS {
            let e = errno
            close(fd)
            throw .errno("connect \(address)", e)
        }
        setNoDelay(fd)
        return fd
    }

    /// The pending error of a socket (after a non-blocking connect).
    public static func pendingError(_ fd: Int32) -> Int32 {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        return err
    }

    public static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Resolves a host name to addresses (blocking: call from slow-work threads or at startup).
    public static func resolve(host: String, port: UInt16) throws(TransportError) -> [SocketAddress] {
        if let a = try? SocketAddress(host: host, port: port) { return [a] }
        if host == "localhost" { return [try! SocketAddress(host: "127.0.0.1", port: port)] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else {
            throw TransportError(.resolve, "cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(res) }
        var out: [SocketAddress] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            if let sa = ai.pointee.ai_addr {
                var ss = sockaddr_storage()
                withUnsafeMutableBytes(of: &ss) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(ai.pointee.ai_addrlen)))
                }
                if var a = SocketAddress.from(storage: &ss) {
                    a.port = port
                    if !out.contains(a) { out.append(a) }
                }
            }
            p = ai.pointee.ai_next
        }
        if out.isEmpty { throw TransportError(.resolve, "no addresses for \(host)") }
        return out
    }
}

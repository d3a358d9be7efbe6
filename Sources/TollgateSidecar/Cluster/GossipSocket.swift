import Glibc
import TollgateTransport

/// The UDP socket for sidecar-to-sidecar messages (SWIM gossip, lease custody). Node ids carry
/// their gossip address after '@' (`pod-uid@10.0.0.7:7946`), so a member learned by gossip can
/// be reached without a directory; the source address of every datagram refreshes the book.
/// Used only by the sync thread.
final class GossipSocket {
    let fd: Int32
    let address: SocketAddress
    private var book: [String: SocketAddress] = [:]
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    private(set) var sent = 0
    private(set) var received = 0

    init(listen: SocketAddress) throws(ConfigError) {
        let s = socket(listen.family == .inet6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard s >= 0 else { throw ConfigError("--gossip-listen: cannot create a UDP socket") }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = listen.withSockAddr { bind(s, $0, $1) }
        guard rc == 0 else {
            close(s)
            throw ConfigError("--gossip-listen \(listen): cannot bind (\(String(cString: strerror(errno))))")
        }
        fd = s
        address = Socket.localAddress(s) ?? listen
    }

    deinit { close(fd) }

    /// The address part of a node id (`name@host:port`), if any.
    static func address(ofNodeID id: String) -> SocketAddress? {
        guard let at = id.lastIndex(of: "@") else { return nil }
        return try? SocketAddress(parsing: String(id[id.index(after: at)...]))
    }

    /// Remembers where a node id without an advertised address sent from. Advertised addresses
    /// win: the source may be a relay or a NAT mapping.
    func learn(_ id: String, _ a: SocketAddress) {
        if Self.address(ofNodeID: id) == nil { book[id] = a }
    }

    func send(_ frame: [UInt8], toNode id: String) {
        guard let a = book[id] ?? Self.address(ofNodeID: id) else { return }
        send(frame, to: a)
    }

    func send(_ frame: [UInt8], to a: SocketAddress) {
        guard frame.count <= 65_000 else { return }
        let n = a.withSockAddr { sa, len in frame.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, len) } }
        if n > 0 { sent += 1 }
    }

    /// Every datagram waiting now, with its source.
    func receiveAll() -> [([UInt8], SocketAddress?)] {
        var out: [([UInt8], SocketAddress?)] = []
        while out.count < 1024 {
            var ss = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buffer.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &ss) { p in
                    p.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &len) }
                }
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            received += 1
            out.append((Array(buffer[0..<n]), SocketAddress.from(storage: &ss)))
        }
        return out
    }
}

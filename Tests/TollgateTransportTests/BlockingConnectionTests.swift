import Glibc
import Testing
import TollgateTransport

/// A blocking connection against a real loopback listener (no accept loop needed: the kernel
/// completes TCP handshakes into the backlog).
struct BlockingConnectionTests {
    func listener() throws -> (fd: Int32, address: SocketAddress) {
        let fd = try Socket.listen(try SocketAddress(parsing: "127.0.0.1:0"), reusePort: false)
        return (fd, Socket.localAddress(fd)!)
    }

    func deadline(millis: UInt64) -> UInt64 { MonotonicClock.now() + millis * 1_000_000 }

    /// Bytes written reach the peer, and the peer's bytes are read back; the peer closing reads as 0.
    @Test func roundTrip() throws {
        let (lfd, address) = try listener()
        defer { close(lfd) }
        let c = try BlockingConnection(connectingTo: address, tls: nil, serverName: nil, deadline: deadline(millis: 5000))
        var accepted: (fd: Int32, peer: SocketAddress?)?
        for _ in 0..<500 where accepted == nil {
            accepted = Socket.accept(lfd)
            if accepted == nil { usleep(2000) }
        }
        let peer = try #require(accepted).fd
        let hello: [UInt8] = Array("hello".utf8)
        try hello.withUnsafeBytes { try c.write($0, deadline: deadline(millis: 5000)) }
        var got = [UInt8](repeating: 0, count: 16)
        var n = 0
        while n < 5 {
            let r = got.withUnsafeMutableBytes { recv(peer, $0.baseAddress! + n, $0.count - n, 0) }
            if r > 0 { n += r } else if r == 0 { break } else if errno != EAGAIN && errno != EINTR { break } else { usleep(1000) }
        }
        #expect(Array(got[0..<n]) == hello)
        _ = Array("back".utf8).withUnsafeBytes { send(peer, $0.baseAddress, $0.count, 0) }
        var buf = [UInt8](repeating: 0, count: 16)
        let m = try buf.withUnsafeMutableBytes { try c.read(into: $0, deadline: deadline(millis: 5000)) }
        #expect(Array(buf[0..<m]) == Array("back".utf8))
        close(peer)
        let eof = try buf.withUnsafeMutableBytes { try c.read(into: $0, deadline: deadline(millis: 5000)) }
        #expect(eof == 0)
    }

    /// A peer that never answers ends the read at the deadline with a "timed out" error, not a hang.
    @Test func readEndsAtDeadline() throws {
        let (lfd, address) = try listener()
        defer { close(lfd) }
        let c = try BlockingConnection(connectingTo: address, tls: nil, serverName: nil, deadline: deadline(millis: 5000))
        var buf = [UInt8](repeating: 0, count: 16)
        #expect { _ = try buf.withUnsafeMutableBytes { try c.read(into: $0, deadline: deadline(millis: 30)) } } throws: { error in
            (error as? TransportError)?.message.contains("timed out") == true
        }
    }

    /// Nobody listening: the connect fails as refused.
    @Test func refusedConnect() throws {
        let (lfd, address) = try listener()
        close(lfd)
        #expect { _ = try BlockingConnection(connectingTo: address, tls: nil, serverName: nil, deadline: deadline(millis: 5000)) } throws: { error in
            (error as? TransportError)?.code == .connectionRefused
        }
    }
}

import Glibc
import Testing
import TollgateTransport

/// A loop connection over a socket pair, driven by hand (the loop does not run).
struct ConnectionTests {
    /// Reads whatever the peer end has now (non-blocking).
    func available(_ fd: Int32) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return n > 0 ? Array(buf[..<n]) : []
    }

    /// A corked write stays queued; flushNow sends it at once, still corked; later writes wait for the cork again.
    @Test func flushNowSendsThroughACork() throws {
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds) == 0)
        defer { close(fds[1]) }
        let loop = try EventLoop(index: 0)
        let c = try Connection(accepted: fds[0], peer: nil, loop: loop, tls: nil)
        defer { c.close() }

        c.cork()
        c.write(Array("first".utf8))
        #expect(available(fds[1]).isEmpty)
        #expect(c.outputBufferedBytes == 5)
        c.flushNow()
        #expect(available(fds[1]) == Array("first".utf8))
        #expect(c.outputBufferedBytes == 0)

        c.write(Array("second".utf8))
        #expect(available(fds[1]).isEmpty)
        #expect(c.outputBufferedBytes == 6)
        c.uncork()
    }
}

import COpenSSL
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

    /// Over TLS too, flushNow sends a corked write at once (a held first SSE event waited for
    /// the end of the loop round, after everything else that round produced).
    @Test func flushNowSendsThroughACorkOverTLS() throws {
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds) == 0)
        let ca = try CertificateAuthority.create(commonName: "Test CA", days: 1, now: 1_800_000_000)
        let (cert, key) = try ca.mintLeaf(host: "localhost", now: 1_800_000_000, validitySeconds: 3600)
        let loop = try EventLoop(index: 0)
        let c = try Connection(accepted: fds[0], peer: nil, loop: loop, tls: try TLSContext.server(certificate: cert, key: key))
        defer { c.close() }

        // The client end: plain OpenSSL without verification (only the bytes matter here).
        let ctx = try #require(SSL_CTX_new(TLS_client_method()))
        defer { SSL_CTX_free(ctx) }
        let client = try #require(SSL_new(ctx))
        defer { SSL_free(client); close(fds[1]) }
        SSL_set_fd(client, fds[1])
        let epollIn: UInt32 = 0x001  // EPOLLIN: "readable", as the loop would report it
        var handshaken = false
        for _ in 0..<1000 where !handshaken {
            handshaken = SSL_connect(client) == 1
            c.handleEvents(epollIn)
        }
        #expect(handshaken)
        c.handleEvents(epollIn)  // the server may still read the client's Finished

        func received() -> [UInt8] {
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = buf.withUnsafeMutableBytes { SSL_read(client, $0.baseAddress, Int32($0.count)) }
            return n > 0 ? Array(buf[..<Int(n)]) : []
        }
        c.cork()
        c.write(Array("first".utf8))
        #expect(received().isEmpty)
        #expect(c.outputBufferedBytes == 5)
        c.flushNow()
        #expect(c.outputBufferedBytes == 0)
        #expect(received() == Array("first".utf8))
        c.uncork()
    }
}

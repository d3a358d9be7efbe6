import Glibc
import Testing
import TollgateTransport
@testable import TollgateSidecar

struct HealthCommandTests {
    /// Defaults probe 127.0.0.1:9901/healthz; a wildcard admin address is probed on loopback.
    @Test func parsesFlags() throws {
        let d = try HealthCommand.parse([])
        #expect(d.admin.description == "127.0.0.1:9901")
        #expect(d.path == "/healthz")
        #expect(d.timeout == 2)
        let o = try HealthCommand.parse(["--admin", "0.0.0.0:9911", "--path", "/readyz", "--timeout", "500ms", "-q"])
        #expect(o.admin.description == "127.0.0.1:9911")
        #expect(o.path == "/readyz")
        #expect(o.timeout == 0.5)
        #expect(o.quiet)
        #expect(try HealthCommand.parse(["--admin=[::]:9901"]).admin.description == "[::1]:9901")
    }

    /// Bad flags are errors naming the flag; a path that would break the request line is refused.
    @Test func refusesBadFlags() {
        #expect(throws: ConfigError("unknown option --bogus (see tollgate health --help)")) { try HealthCommand.parse(["--bogus"]) }
        #expect(throws: ConfigError.self) { try HealthCommand.parse(["--admin", "nope"]) }
        #expect(throws: ConfigError.self) { try HealthCommand.parse(["--admin", "127.0.0.1:0"]) }
        #expect(throws: ConfigError.self) { try HealthCommand.parse(["--path", "healthz"]) }
        #expect(throws: ConfigError.self) { try HealthCommand.parse(["--path", "/a b"]) }
        #expect(throws: ConfigError.self) { try HealthCommand.parse(["--timeout", "0"]) }
    }

    /// The request is one HTTP/1.1 GET that closes, with the probed address as Host.
    @Test func buildsRequest() throws {
        let o = try HealthCommand.parse(["--admin", "127.0.0.1:9911", "--path", "/readyz"])
        #expect(String(decoding: HealthCommand.request(o), as: UTF8.self)
            == "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:9911\r\nUser-Agent: tollgate-health\r\nConnection: close\r\n\r\n")
    }

    /// Status lines give their code; partial or foreign first lines give nil.
    @Test func readsStatusLine() {
        func code(_ s: String) -> Int? { HealthCommand.statusCode(Array(s.utf8)[...]) }
        #expect(code("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok") == 200)
        #expect(code("HTTP/1.0 503 Service Unavailable\n") == 503)
        #expect(code("HTTP/1.1 204\r\n") == 204)
        #expect(code("HTTP/1.1 200 OK") == nil)
        #expect(code("HTTP/1.1 20x OK\r\n") == nil)
        #expect(code("HTTP/1.1 2000 OK\r\n") == nil)
        #expect(code("HTTP/2 200\r\n") == nil)
        #expect(code("SSH-2.0-OpenSSH\r\n") == nil)
    }

    /// Against a listener that answers 200 the probe sees 200; against 503 it sees 503;
    /// against a closed port it fails with the reason.
    @Test func probesRealSockets() throws {
        for answer in ["HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n"] {
            let (fd, port) = try listenLoopback()
            defer { close(fd) }
            let server = Thread1 { serveOnce(fd, answer: answer) }
            let o = try HealthCommand.parse(["--admin", "127.0.0.1:\(port)", "--timeout", "5"])
            let outcome = HealthCommand.probe(o)
            server.join()
            #expect(outcome == .status(answer.contains(" 200 ") ? 200 : 503))
            #expect(server.received.hasPrefix("GET /healthz HTTP/1.1\r\n"))
        }
        let (fd, port) = try listenLoopback()
        close(fd)
        let o = try HealthCommand.parse(["--admin", "127.0.0.1:\(port)", "--timeout", "2"])
        guard case .failed(let reason) = HealthCommand.probe(o) else {
            Issue.record("a closed port must fail")
            return
        }
        #expect(reason.hasPrefix("connect:"))
    }

    /// A listener that accepts and never answers makes the probe fail at its deadline.
    @Test func timesOut() throws {
        let (fd, port) = try listenLoopback()
        defer { close(fd) }
        let o = try HealthCommand.parse(["--admin", "127.0.0.1:\(port)", "--timeout", "200ms"])
        #expect(HealthCommand.probe(o) == .failed("no answer: timed out"))
    }
}

/// A blocking loopback listener on an ephemeral port.
private func listenLoopback() throws -> (Int32, UInt16) {
    let fd = try Socket.listen(try SocketAddress(host: "127.0.0.1", port: 0), reusePort: false)
    // Socket.listen makes the socket non-blocking; the one-shot server below blocks.
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    // Bounded: accept gives up after 5 s if the probe never connects.
    var tv = timeval(tv_sec: 5, tv_usec: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    guard let port = Socket.localAddress(fd)?.port else { throw ConfigError("no local address") }
    return (fd, port)
}

/// Accepts one connection, reads the request head, answers and closes. Returns what it read.
private func serveOnce(_ listenFD: Int32, answer: String) -> String {
    let c = accept(listenFD, nil, nil)
    guard c >= 0 else { return "" }
    defer { close(c) }
    var tv = timeval(tv_sec: 5, tv_usec: 0)
    _ = setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var got: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1024)
    while !String(decoding: got, as: UTF8.self).contains("\r\n\r\n") {
        let n = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        got += buf[0..<n]
    }
    let bytes = Array(answer.utf8)
    _ = bytes.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    return String(decoding: got, as: UTF8.self)
}

/// A pthread running one closure, joined by the test (the probe under test blocks).
private final class Thread1: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> String
    private(set) var received = ""

    init(_ body: @escaping () -> String) {
        self.body = body
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { raw in
            let me = Unmanaged<Thread1>.fromOpaque(raw!).takeRetainedValue()
            me.received = me.body()
            return nil
        }, box)
    }

    func join() { pthread_join(thread, nil) }
}

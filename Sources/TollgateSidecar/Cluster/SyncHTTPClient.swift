import Glibc
import TollgateHTTP
import TollgateTransport

/// A blocking HTTP/1.1 keep-alive client, never used on an event loop; every call is bounded by
/// `timeout`. Sidecars sync over HTTP/2 (`SyncHTTP2Client`); this one serves `tollgate demo`'s
/// admin calls and `bench-coordinator --protocol http1` (the coordinator still speaks HTTP/1.1).
final class SyncHTTPClient {
    let target: String
    let timeoutMillis: Int32
    private var fd: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private(set) var failures = 0

    init(target: String, timeoutMillis: Int32 = 800) {
        self.target = target
        self.timeoutMillis = timeoutMillis
    }

    deinit { disconnect() }

    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Sends `body` and returns the response body of a 200, or nil (connection error, timeout,
    /// other status). A reused connection that fails is retried once on a fresh one.
    func post(path: String, node: String, body: [UInt8]) -> [UInt8]? {
        guard let (status, answer) = send(method: "POST", path: path,
                                          headers: "tollgate-node: \(node)\r\ncontent-type: application/octet-stream\r\n", body: body),
              status == 200 else { return nil }
        return answer
    }

    /// Any request; `headers` are extra header lines, each ending in CRLF. Returns the status
    /// and body, or nil on a connection error or timeout.
    func send(method: String, path: String, headers: String = "", body: [UInt8] = []) -> (Int, [UInt8])? {
        let reused = fd >= 0
        if let r = attempt(method: method, path: path, headers: headers, body: body) { return r }
        if reused, let r = attempt(method: method, path: path, headers: headers, body: body) { return r }
        failures += 1
        return nil
    }

    private func attempt(method: String, path: String, headers: String, body: [UInt8]) -> (Int, [UInt8])? {
        if fd < 0 && !connectNow() { return nil }
        var req = Array("\(method) \(path) HTTP/1.1\r\nhost: \(target)\r\n\(headers)content-length: \(body.count)\r\n\r\n".utf8)
        req += body
        guard writeAll(req) else { disconnect(); return nil }
        var parser = HTTP1ResponseParser(limits: HTTP1Limits(maxBodyBytes: 16 << 20))
        parser.expectResponse(toMethod: method)
        var status = 0
        var out: [UInt8] = []
        var pending: [UInt8] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { disconnect(); return nil }
            pending += buffer[0..<n]
            var offset = 0
            var done = false
            var failed = false
            pending.withUnsafeBytes { raw in
                while true {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[offset...])
                    let step: (consumed: Int, event: HTTP1ParserEvent?)
                    do { step = try parser.next(slice) } catch { failed = true; return }
                    offset += step.consumed
                    guard let event = step.event else { return }
                    switch event {
                    case .responseHead(let h, _): status = h.status
                    case .body(let r): out += UnsafeRawBufferPointer(rebasing: slice[r])
                    case .end: done = true; return
                    default: break
                    }
                }
            }
            if failed {
                disconnect()
                return nil
            }
            pending.removeFirst(offset)
            if done { break }
        }
        return (status, out)
    }

    private func connectNow() -> Bool {
        guard let colon = target.lastIndex(of: ":"), let port = UInt16(target[target.index(after: colon)...]) else { return false }
        var host = String(target[..<colon])
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        guard let addr = try? Socket.resolve(host: host, port: port).first else { return false }
        let s = socket(addr.family == .inet6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { return false }
        var tv = timeval(tv_sec: Int(timeoutMillis / 1000), tv_usec: Int(timeoutMillis % 1000) * 1000)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        // connect() honours SO_SNDTIMEO on Linux: a blackholed coordinator costs at most the timeout.
        let rc = addr.withSockAddr { Glibc.connect(s, $0, $1) }
        guard rc == 0 else { close(s); return false }
        Socket.setNoDelay(s)
        fd = s
        return true
    }

    private func writeAll(_ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            off += n
        }
        return true
    }
}

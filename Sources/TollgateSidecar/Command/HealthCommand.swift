import Glibc
import TollgateTransport

/// `tollgate health`: GETs the admin port's /healthz over a plain socket and exits 0 on a 200,
/// 1 otherwise. It exists so container images need no shell or curl for their HEALTHCHECK.
public enum HealthCommand {
    public static let usage = """
    Usage: tollgate health [options]

    Probes a running Tollgate's admin port (for container HEALTHCHECKs; no shell or curl
    needed). Exits 0 when the answer is 200, 1 when it is anything else or nothing.

      --admin ADDR      admin address to probe [127.0.0.1:9901]; 0.0.0.0 and :: mean loopback
      --path PATH       path to GET, e.g. /readyz [/healthz]
      --timeout S       connect + answer deadline in seconds (500ms form accepted) [2]
      -q, --quiet       print nothing on success or failure
      -h, --help        this help
    """

    /// What to probe and how long to wait.
    struct Options: Equatable {
        var admin: SocketAddress
        var path = "/healthz"
        var timeout = 2.0
        var quiet = false
    }

    /// What a probe found: the HTTP status, or why there was none.
    enum Outcome: Equatable {
        case status(Int)
        case failed(String)
    }

    public static func run(_ args: [String]) -> Int32 {
        if args.contains("--help") || args.contains("-h") {
            print(usage)
            return 0
        }
        let options: Options
        do {
            options = try parse(args)
        } catch {
            TollgateCLI.printError("tollgate health: \(error)")
            return 2
        }
        let outcome = probe(options)
        switch outcome {
        case .status(200):
            if !options.quiet { print("ok: GET \(options.path) on \(options.admin) answered 200") }
            return 0
        case .status(let code):
            if !options.quiet { TollgateCLI.printError("unhealthy: GET \(options.path) on \(options.admin) answered \(code)") }
            return 1
        case .failed(let reason):
            if !options.quiet { TollgateCLI.printError("unhealthy: GET \(options.path) on \(options.admin): \(reason)") }
            return 1
        }
    }

    static func parse(_ args: [String]) throws(ConfigError) -> Options {
        var o = Options(admin: try! SocketAddress(host: "127.0.0.1", port: 9901))
        var r = ArgumentReader(args)
        while !r.isAtEnd {
            let f = try r.nextFlag()
            switch f.name {
            case "--admin":
                let v = try r.value(for: f)
                do { o.admin = try SocketAddress(parsing: v) } catch { throw ConfigError("--admin: \(error)") }
                // A wildcard listen address is reached through loopback.
                if o.admin.host == "0.0.0.0" { o.admin = try! SocketAddress(host: "127.0.0.1", port: o.admin.port) }
                if o.admin.host == "::" { o.admin = try! SocketAddress(host: "::1", port: o.admin.port) }
                if o.admin.port == 0 { throw ConfigError("--admin: port 0 cannot be probed") }
            case "--path":
                let v = try r.value(for: f)
                // The path goes into a request line verbatim: no spaces or control bytes.
                guard v.hasPrefix("/"), v.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
                    throw ConfigError("--path expects an absolute path without spaces, got '\(v)'")
                }
                o.path = v
            case "--timeout": o.timeout = try r.seconds(for: f)
            case "-q", "--quiet": o.quiet = true
            default: throw ConfigError("unknown option \(f.name) (see tollgate health --help)")
            }
        }
        return o
    }

    /// The request the probe sends: HTTP/1.1, closing, so the answer ends at EOF.
    static func request(_ o: Options) -> [UInt8] {
        Array("GET \(o.path) HTTP/1.1\r\nHost: \(o.admin)\r\nUser-Agent: tollgate-health\r\nConnection: close\r\n\r\n".utf8)
    }

    /// The status code of an HTTP/1.x status line at the start of `bytes`, or nil when the line
    /// is incomplete or not a status line.
    static func statusCode(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard let end = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        var line = bytes[bytes.startIndex..<end]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let prefix = Array("HTTP/1.".utf8)
        guard line.count >= 12, Array(line.prefix(prefix.count)) == prefix else { return nil }
        let afterVersion = line.dropFirst(prefix.count + 1)
        guard afterVersion.first == UInt8(ascii: " ") else { return nil }
        let digits = afterVersion.dropFirst().prefix(3)
        guard digits.count == 3, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let rest = afterVersion.dropFirst(4)
        guard rest.isEmpty || rest.first == UInt8(ascii: " ") else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// Connects, sends the GET and reads until the status line is complete, within the timeout.
    static func probe(_ o: Options) -> Outcome {
        let domain = o.admin.family == .inet ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed("socket: \(errnoText())") }
        defer { close(fd) }
        // Blocking socket with send/receive deadlines; connect honours SO_SNDTIMEO on Linux.
        var tv = timeval(tv_sec: Int(o.timeout), tv_usec: Int((o.timeout - o.timeout.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = o.admin.withSockAddr { connect(fd, $0, $1) }
        guard rc == 0 else { return .failed("connect: \(errnoText())") }
        let req = request(o)
        var sent = 0
        while sent < req.count {
            let n = req[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .failed("send: \(errnoText())") }
            sent += n
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while answer.count < 8192 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .failed("no answer: \(errnoText())") }
            if n == 0 { break }
            answer += chunk[0..<n]
            if let code = statusCode(answer[...]) { return .status(code) }
        }
        return .failed(answer.isEmpty ? "connection closed without an answer" : "not an HTTP/1.x answer")
    }

    private static func errnoText() -> String {
        let e = errno
        if e == EAGAIN || e == EWOULDBLOCK || e == EINPROGRESS { return "timed out" }
        return String(cString: strerror(e))
    }
}

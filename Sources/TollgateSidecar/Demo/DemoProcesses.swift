import Glibc

/// Child processes of the demo: the same binary with other subcommands, output to log files.
final class DemoProcesses {
    private(set) var pids: [(name: String, pid: pid_t)] = []
    let exe: String
    let dir: String

    init(dir: String) {
        self.dir = dir
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        exe = n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }

    func spawn(_ name: String, _ args: [String]) -> Bool {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let log = "\(dir)/\(name).log"
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = ([exe] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &actions, nil, argv, environ)
        guard rc == 0 else { return false }
        pids.append((name, pid))
        return true
    }

    func alive(_ name: String) -> Bool {
        guard let p = pids.first(where: { $0.name == name }) else { return false }
        var status: Int32 = 0
        return waitpid(p.pid, &status, WNOHANG) == 0
    }

    /// SIGTERM to every child, then waits (SIGKILL after 5 s).
    func stopAll() {
        for p in pids.reversed() { kill(p.pid, SIGTERM) }
        let deadline = time(nil) + 5
        for p in pids.reversed() {
            var status: Int32 = 0
            while waitpid(p.pid, &status, WNOHANG) == 0 {
                if time(nil) >= deadline { kill(p.pid, SIGKILL) }
                usleep(20_000)
            }
        }
        pids = []
    }

    /// A free TCP or UDP port on 127.0.0.1 (bound and released; the kernel does not hand it out
    /// again at once).
    static func freePort(udp: Bool = false) -> Int {
        let s = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        defer { close(s) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        a.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) } }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        return Int(UInt16(bigEndian: a.sin_port))
    }
}

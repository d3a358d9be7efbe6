import Glibc
import Synchronization
import TollgateSync
import TollgateTransport

/// `tollgate bench-coordinator`: starts a coordinator (a child process) and emulates N sidecars
/// refreshing leases once per second against it, each on its own connection as a real sidecar
/// has (HTTP/2 by default, the sidecars' transport; `--protocol http1` for the HTTP/1.1
/// keep-alive one): a lease request (with its ledger entries) and a usage report per second.
/// Prints grant latency percentiles and the coordinator's CPU and memory.
enum BenchCoordinatorCommand {
    static let usage = """
    Usage: tollgate bench-coordinator [--sidecars N] [--seconds S] [--threads T] [--protocol h2|http1]

    Emulates N sidecars [1000] refreshing leases once per second for S seconds [30] against a
    coordinator it starts itself, with T client threads [8], each sidecar on its own connection
    speaking HTTP/2 (h2c, as sidecars do) [h2] or HTTP/1.1 keep-alive. Reports p50/p99/max grant
    latency, requests per second, and the coordinator's CPU (cores) and resident memory.
    """

    static func run(_ args: [String]) -> Int32 {
        var sidecars = 1000, seconds = 30.0, threads = 8
        var http2 = true
        var r = ArgumentReader(args)
        do {
            while !r.isAtEnd {
                let f = try r.nextFlag()
                switch f.name {
                case "--sidecars": sidecars = try r.int(for: f, min: 1, max: 100_000)
                case "--seconds": seconds = try r.seconds(for: f)
                case "--threads": threads = try r.int(for: f, min: 1, max: 256)
                case "--protocol":
                    let v = try r.value(for: f)
                    guard v == "h2" || v == "http1" else { throw ConfigError("--protocol expects h2 or http1, got '\(v)'") }
                    http2 = v == "h2"
                case "-h", "--help": print(usage); return 0
                default: throw ConfigError("unknown option \(f.name)")
                }
            }
        } catch {
            TollgateCLI.printError("tollgate bench-coordinator: \(error)")
            return 2
        }
        signal(SIGPIPE, SIG_IGN)
        var template = Array("/tmp/tollgate-bench-XXXXXX".utf8CString)
        guard let dirp = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return 1 }
        let procs = DemoProcesses(dir: String(cString: dirp))
        let port = DemoProcesses.freePort()
        let target = "127.0.0.1:\(port)"
        let secret = "bench-secret"
        guard procs.spawn("coordinator", ["coordinator", "--listen", target, "--sync-secret", secret, "--no-learning",
                                          "--budget", "total_tokens=1000000000000/day", "--log-level", "warn"]) else { return 1 }
        defer { procs.stopAll() }
        let pid = procs.pids[0].pid
        var up = false
        for _ in 0..<200 where !up {
            up = SyncHTTPClient(target: target, timeoutMillis: 500).send(method: "GET", path: "/healthz") != nil
            if !up { usleep(50_000) }
        }
        guard up else { print("coordinator did not start"); return 1 }
        let wallNow = MonotonicClock.wallNanosForBench()
        let key = BudgetKey(scope: "all|total_tokens|day", window: ClusterBudgetSpec.windowID(.day, at: wallNow))
        let coordinatorID = NodeIdentity(nodeID: target, epoch: 0)
        let latencies = Mutex<[Int64]>([])
        let failures = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let per = (sidecars + threads - 1) / threads
        let useHTTP2 = http2
        print("bench: \(sidecars) emulated sidecars over \(http2 ? "HTTP/2 (h2c)" : "HTTP/1.1") on \(threads) threads, \(Int(seconds)) s, coordinator pid \(pid)")
        let cpu0 = cpuTicks(pid)
        let t0 = MonotonicClockSeconds.now()
        var ts: [pthread_t] = []
        for t in 0..<threads {
            let range = (t * per)..<min(sidecars, (t + 1) * per)
            guard !range.isEmpty else { continue }
            ts.append(startThread {
                let codec = WireCodec(keyring: WireKeyring(keyID: 1, secret: Array(secret.utf8)))
                var clients = range.map { _ in BenchSyncClient(target: target, http2: useHTTP2) }
                var granted = [Int64](repeating: 0, count: range.count)
                var issuer = [NodeIdentity?](repeating: nil, count: range.count)
                var seq = [UInt64](repeating: 0, count: range.count)
                var local: [Int64] = []
                // Spread each thread's sidecars evenly over the second.
                let start = MonotonicClockSeconds.now()
                var round = 0
                while !stop.load(ordering: .acquiring) {
                    for (j, s) in range.enumerated() {
                        let due = start + Double(round) + Double(j) / Double(range.count)
                        let wait = due - MonotonicClockSeconds.now()
                        if wait > 0 { usleep(UInt32(wait * 1e6)) }
                        if stop.load(ordering: .acquiring) { break }
                        let me = NodeIdentity(nodeID: "bench-\(s)", epoch: 1)
                        seq[j] += 1
                        let spent = granted[j] * 9 / 10
                        let entries = issuer[j].map { [LedgerEntry(key: key, holder: me, issuer: $0, granted: granted[j], returned: 0, spent: spent)] } ?? []
                        var body = codec.encode(.leaseRequest(LeaseRequest(key: key, holder: me, requestID: seq[j], need: 0,
                                                                           ratePerSecond: 2_000, entries: entries)))
                        body += codec.encode(.usageReport(UsageReport(sender: me, seq: seq[j], budgetsVersion: 1, entries: entries, custody: [])))
                        let a = MonotonicClockSeconds.now()
                        guard let answer = clients[j].post(path: "/v1/sync", node: me.nodeID, body: body) else {
                            failures.add(1, ordering: .relaxed)
                            continue
                        }
                        local.append(Int64((MonotonicClockSeconds.now() - a) * 1e6))
                        var off = 0
                        while off < answer.count, let (m, used) = try? WireCodec.decodeFrame(answer[off...], keyring: codec.keyring) {
                            off += used
                            if case .leaseGrant(let g) = m { granted[j] = g.granted; issuer[j] = g.issuer }
                        }
                        _ = coordinatorID
                    }
                    round += 1
                }
                clients.removeAll()
                latencies.withLock { $0 += local }
            })
        }
        usleep(UInt32(seconds * 1e6))
        stop.store(true, ordering: .releasing)
        let cpu1 = cpuTicks(pid)
        let elapsed = MonotonicClockSeconds.now() - t0
        let rss = rssKiB(pid)
        for t in ts { pthread_join(t, nil) }
        var l = latencies.withLock { $0 }
        l.sort()
        func pct(_ p: Double) -> Double { l.isEmpty ? 0 : Double(l[min(l.count - 1, Int(Double(l.count) * p))]) / 1000 }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cores = Double(cpu1 - cpu0) / hz / elapsed
        func f(_ x: Double) -> String { String(Int(x * 100) / 100) + "." + String(Int(x * 100) % 100 < 10 ? "0" : "") + String(Int(x * 100) % 100) }
        print("requests \(l.count) (\(f(Double(l.count) / elapsed))/s), failures \(failures.load(ordering: .relaxed))")
        print("grant latency ms: p50 \(f(pct(0.5))), p99 \(f(pct(0.99))), max \(f(pct(1.0)))")
        print("coordinator: cpu \(f(cores)) cores, rss \(rss / 1024) MiB")
        return 0
    }

    static func cpuTicks(_ pid: pid_t) -> Int64 {
        guard let b = ClusterFiles.read("/proc/\(pid)/stat", max: 4096) else { return 0 }
        let text = String(decoding: b, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // Fields after the command: state(0) ... utime(11) stime(12).
        guard fields.count > 12 else { return 0 }
        return (Int64(fields[11]) ?? 0) + (Int64(fields[12]) ?? 0)
    }

    static func rssKiB(_ pid: pid_t) -> Int {
        guard let b = ClusterFiles.read("/proc/\(pid)/status", max: 16_384) else { return 0 }
        for line in String(decoding: b, as: UTF8.self).split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}

/// One emulated sidecar's connection, over either transport.
private enum BenchSyncClient {
    case http2(SyncHTTP2Client)
    case http1(SyncHTTPClient)

    init(target: String, http2: Bool) {
        self = http2 ? .http2(SyncHTTP2Client(target: target, timeoutMillis: 5000)) : .http1(SyncHTTPClient(target: target, timeoutMillis: 5000))
    }

    func post(path: String, node: String, body: [UInt8]) -> [UInt8]? {
        switch self {
        case .http2(let c): c.post(path: path, node: node, body: body)
        case .http1(let c): c.post(path: path, node: node, body: body)
        }
    }
}

extension MonotonicClock {
    static func wallNanosForBench() -> Int64 { wallNanos() }
}

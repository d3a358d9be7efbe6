import Glibc
import Synchronization
import TollgateJSON

/// `tollgate demo`: one command showing cluster budgets end to end on loopback. Starts a mock
/// provider, a coordinator and three sidecars (child processes of this binary), sets a cluster
/// token budget through the coordinator's admin API, drives load through all three sidecars,
/// and shows a live table until the budget is spent; then explains what happened.
public enum DemoCommand {
    public static let usage = """
    Usage: tollgate demo [--budget TOKENS] [--duration S] [--latency-ms N] [--no-color] [--keep-logs]

    Starts a mock LLM provider, a coordinator and three sidecars on 127.0.0.1, sets one cluster
    budget of TOKENS total tokens [30000], sends OpenAI and Anthropic requests (streaming and
    not) through all three sidecars, and prints a live table until the budget is spent (or
    --duration seconds [90] pass). Logs go to a temporary directory, removed unless --keep-logs.
    """

    struct Settings {
        var budget: Int64 = 30_000
        var duration: Double = 90
        var latency = 120
        var color = isatty(1) != 0
        var keepLogs = false
        var workersPerSidecar = 2
    }

    public static func run(_ args: [String]) -> Int32 {
        var s = Settings()
        var r = ArgumentReader(args)
        do {
            while !r.isAtEnd {
                let f = try r.nextFlag()
                switch f.name {
                case "--budget": s.budget = Int64(try r.int(for: f, min: 100, max: 1 << 40))
                case "--duration": s.duration = try r.seconds(for: f)
                case "--latency-ms": s.latency = try r.int(for: f, min: 0, max: 10_000)
                case "--workers": s.workersPerSidecar = try r.int(for: f, min: 1, max: 64)
                case "--no-color": s.color = false
                case "--keep-logs": s.keepLogs = true
                case "-h", "--help":
                    print(usage)
                    return 0
                default: throw ConfigError("unknown option \(f.name) (see tollgate demo --help)")
                }
            }
        } catch {
            TollgateCLI.printError("tollgate demo: \(error)")
            return 2
        }
        signal(SIGPIPE, SIG_IGN)
        var template = Array("/tmp/tollgate-demo-XXXXXX".utf8CString)
        guard let dirp = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            TollgateCLI.printError("tollgate demo: cannot create a temporary directory")
            return 1
        }
        let dir = String(cString: dirp)
        let procs = DemoProcesses(dir: dir)
        let demo = DemoRun(settings: s, dir: dir, procs: procs)
        let rc = demo.run()
        procs.stopAll()
        if s.keepLogs || rc != 0 {
            print("logs: \(dir)")
        } else {
            for f in ["mock", "coordinator", "sc1", "sc2", "sc3"] {
                unlink("\(dir)/\(f).log")
                unlink("\(dir)/\(f).jsonl")
            }
            unlink("\(dir)/mock-log.jsonl")
            rmdir(dir)
        }
        return rc
    }
}

/// One demo run: processes, load, table, explanation.
final class DemoRun: @unchecked Sendable {
    let s: DemoCommand.Settings
    let dir: String
    let procs: DemoProcesses
    let names = ["sc1", "sc2", "sc3"]
    var sidecarPorts: [Int] = []
    var coordPort = 0
    var mockPort = 0
    let served = Mutex([0, 0, 0])
    let refused = Mutex([0, 0, 0])
    let errors = Mutex([0, 0, 0])
    let stop = Atomic<Bool>(false)
    let token = "demo-admin-token"

    init(settings: DemoCommand.Settings, dir: String, procs: DemoProcesses) {
        self.s = settings
        self.dir = dir
        self.procs = procs
    }

    func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    func run() -> Int32 {
        mockPort = DemoProcesses.freePort()
        coordPort = DemoProcesses.freePort()
        sidecarPorts = names.map { _ in DemoProcesses.freePort() }
        let gossip = names.map { _ in DemoProcesses.freePort(udp: true) }
        var secretBytes = ClusterFiles.read("/dev/urandom", max: 16)?.prefix(16).map { String($0, radix: 16) }.joined() ?? "demo"
        if secretBytes.isEmpty { secretBytes = "demo" }
        let coord = "127.0.0.1:\(coordPort)"

        say(bold("Tollgate demo: three sidecars, one cluster budget, no database"))
        say("  mock provider  127.0.0.1:\(mockPort)  (OpenAI + Anthropic, streaming, \(s.latency) ms per answer)")
        say("  coordinator    \(coord)")
        guard procs.spawn("mock", ["mock-provider", "--listen", "127.0.0.1:\(mockPort)", "--latency-ms", String(s.latency),
                                   "--log", "\(dir)/mock-log.jsonl"]),
              procs.spawn("coordinator", ["coordinator", "--listen", coord, "--admin-token", token, "--sync-secret", secretBytes,
                                          "--no-learning"]) else {
            say("cannot start child processes")
            return 1
        }
        for (i, n) in names.enumerated() {
            let seeds = gossip.enumerated().filter { $0.offset != i }.map { "127.0.0.1:\($0.element)" }.joined(separator: ",")
            guard procs.spawn(n, ["sidecar", "--listen", "127.0.0.1:\(sidecarPorts[i])", "--admin", "off",
                                  "--upstream", "http://127.0.0.1:\(mockPort)", "--threads", "2",
                                  "--coordinator", coord, "--sync-secret", secretBytes, "--node-id", n,
                                  "--gossip-listen", "127.0.0.1:\(gossip[i])", "--gossip-seeds", seeds,
                                  "--cluster-wait", "5", "--usage-log", "\(dir)/\(n).jsonl",
                                  "--log-level", getenv("TOLLGATE_DEMO_LOG_LEVEL").map { String(cString: $0) } ?? "info"]) else {
                say("cannot start \(n)")
                return 1
            }
            say("  sidecar \(n)    127.0.0.1:\(sidecarPorts[i])  (gossip udp \(gossip[i]))")
        }
        guard waitReady() else {
            say("the cluster did not come up; see logs in \(dir)")
            return 1
        }
        let put = SyncHTTPClient(target: coord, timeoutMillis: 5000).send(
            method: "PUT", path: "/v1/budgets", headers: "authorization: Bearer \(token)\r\ncontent-type: application/json\r\n",
            body: Array("{\"budget\":\"total_tokens=\(s.budget)/lifetime\",\"policy\":\"fail_closed\"}".utf8))
        guard put?.0 == 200 else {
            say("the coordinator refused the budget: \(put.map { String(decoding: $0.1, as: UTF8.self) } ?? "no answer")")
            return 1
        }
        say("")
        say("Set cluster budget: PUT /v1/budgets {\"budget\":\"total_tokens=\(s.budget)/lifetime\",\"policy\":\"fail_closed\"}")
        say("Driving load: \(s.workersPerSidecar) clients per sidecar (OpenAI and Anthropic, streaming and not)...")
        say("")
        usleep(1_200_000)   // definitions reach the sidecars with their next report

        var threads: [pthread_t] = []
        for i in 0..<names.count {
            for w in 0..<s.workersPerSidecar {
                threads.append(startThread { [self] in worker(sidecar: i, seed: w) })
            }
        }
        let started = MonotonicClockSeconds.now()
        var shownLines = 0
        var lastUsed: Int64 = -1
        var stableSince = started
        var table = snapshot()
        while true {
            usleep(250_000)
            table = snapshot()
            render(table, replacing: &shownLines)
            let now = MonotonicClockSeconds.now()
            if table.used != lastUsed { lastUsed = table.used; stableSince = now }
            let allRefused = refused.withLock { $0.allSatisfy { $0 >= 2 } }
            // Done when every sidecar is refused and the total has settled, with nothing left to
            // grant: all escrow returned, or what is still escrowed is exactly the rest of the
            // limit (a lease no waiting request fits; it expires unspent).
            let nothingLeft = table.outstanding == 0 || table.used + table.outstanding >= table.limit
            if allRefused && nothingLeft && now - stableSince >= 1.5 { break }
            if now - started >= s.duration {
                say("duration cap reached (\(Int(s.duration)) s)")
                break
            }
        }
        stop.store(true, ordering: .releasing)
        for t in threads { pthread_join(t, nil) }
        usleep(1_300_000)   // last usage reports
        table = snapshot()
        render(table, replacing: &shownLines)
        return explain(table)
    }

    func bold(_ t: String) -> String { s.color ? "\u{1B}[1m\(t)\u{1B}[0m" : t }

    func waitReady() -> Bool {
        let deadline = MonotonicClockSeconds.now() + 20
        let targets = ["127.0.0.1:\(mockPort)", "127.0.0.1:\(coordPort)"] + sidecarPorts.map { "127.0.0.1:\($0)" }
        var ready = Set<String>()
        while MonotonicClockSeconds.now() < deadline {
            for t in targets where !ready.contains(t) {
                // Sidecars have no admin port here: any HTTP answer means the listener is up.
                if SyncHTTPClient(target: t, timeoutMillis: 500).send(method: "GET", path: "/healthz") != nil { ready.insert(t) }
            }
            if ready.count == targets.count { return true }
            usleep(100_000)
        }
        return false
    }

    func worker(sidecar i: Int, seed: Int) {
        let client = SyncHTTPClient(target: "127.0.0.1:\(sidecarPorts[i])", timeoutMillis: 30_000)
        var n = seed
        while !stop.load(ordering: .acquiring) {
            n += 1
            let maxTokens = 32 + (n * 37) % 64
            let (path, headers, body): (String, String, String)
            switch n % 3 {
            case 0:
                path = "/v1/messages"
                headers = "x-api-key: demo-key\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n"
                body = "{\"model\":\"claude-3-5-haiku-latest\",\"max_tokens\":\(maxTokens),\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Summarize the escrow protocol in one line (request \(n)).\"}]}"
            case 1:
                path = "/v1/chat/completions"
                headers = "authorization: Bearer demo-key\r\ncontent-type: application/json\r\n"
                body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":\(maxTokens),\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Write a haiku about budgets (request \(n)).\"}]}"
            default:
                path = "/v1/chat/completions"
                headers = "authorization: Bearer demo-key\r\ncontent-type: application/json\r\n"
                body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":\(maxTokens),\"messages\":[{\"role\":\"user\",\"content\":\"Say hello through Tollgate (request \(n)).\"}]}"
            }
            guard let (status, _) = client.send(method: "POST", path: path, headers: headers, body: Array(body.utf8)) else {
                errors.withLock { $0[i] += 1 }
                usleep(100_000)
                continue
            }
            switch status {
            case 200: served.withLock { $0[i] += 1 }
            case 429:
                refused.withLock { $0[i] += 1 }
                usleep(200_000)
            default:
                errors.withLock { $0[i] += 1 }
                usleep(100_000)
            }
        }
    }

    /// Per-sidecar spend and escrow from the coordinator's cluster view; counts from the clients.
    func snapshot() -> DemoTable {
        var rows = names.enumerated().map { i, n in
            DemoTable.Row(name: n, served: served.withLock { $0[i] }, refused: refused.withLock { $0[i] }, spent: 0, leaseHeld: 0)
        }
        var used: Int64 = 0, outstanding: Int64 = 0, limit = s.budget, learning = false
        if let (status, body) = SyncHTTPClient(target: "127.0.0.1:\(coordPort)", timeoutMillis: 2000).send(method: "GET", path: "/v1/cluster"),
           status == 200, let v = try? JSONValue(parsing: body) {
            learning = v["coordinator"]?["learning"]?.boolValue ?? false
            if let b = v["budgets"]?[0] {
                used = b["used"]?.int64Value ?? 0
                outstanding = b["outstanding"]?.int64Value ?? 0
                limit = b["limit"]?.int64Value ?? limit
                for h in b["holders"]?.arrayValue ?? [] {
                    let node = h["node"]?.stringValue ?? ""
                    guard let i = names.firstIndex(where: { node.hasPrefix($0 + "@") }) else { continue }
                    let spent = h["spent"]?.int64Value ?? 0
                    rows[i].spent += spent
                    rows[i].leaseHeld += max(0, (h["charge"]?.int64Value ?? 0) - spent)
                }
            }
        }
        return DemoTable(rows: rows, used: used, outstanding: outstanding, limit: limit, learning: learning, color: s.color)
    }

    func render(_ t: DemoTable, replacing shown: inout Int) {
        let lines = t.lines
        if s.color && shown > 0 {
            print("\u{1B}[\(shown)A", terminator: "")
            for l in lines { print("\u{1B}[2K" + l) }
        } else if s.color || shown == 0 || Int(MonotonicClockSeconds.now() * 4) % 8 == 0 {
            for l in lines { print(l) }
            if !s.color { print("") }
        }
        shown = lines.count
        fflush(nil)
    }

    func providerTokens() -> (requests: Int64, tokens: Int64) {
        guard let (status, body) = SyncHTTPClient(target: "127.0.0.1:\(mockPort)", timeoutMillis: 2000).send(method: "GET", path: "/_mock/stats"),
              status == 200, let v = try? JSONValue(parsing: body) else { return (-1, -1) }
        return (v["requests"]?.int64Value ?? -1, v["total_tokens"]?.int64Value ?? -1)
    }

    func explain(_ t: DemoTable) -> Int32 {
        let (preqs, ptokens) = providerTokens()
        let over = max(0, t.used - t.limit)
        let errs = errors.withLock { $0.reduce(0, +) }
        say("")
        say(bold("What happened"))
        say("  1. The coordinator owned the budget (\(DemoTable.grouped(t.limit)) total tokens). No sidecar could spend a token it")
        say("     had not been granted: each admitted requests only from escrow leases, sized to its recent demand")
        say("     and asked for ahead of need, so admission did not wait on the network in steady state.")
        say("  2. Each request reserved its upper bound (prompt + max_tokens) from a lease, and settled to the real")
        say("     usage when the answer (or the stream's final usage event) arrived; the surplus went back to the lease.")
        say("  3. Sidecars reported their spend every second; the coordinator merged reports by maximum per")
        say("     (node, epoch), so retries and duplicates never double count. Leases were announced to peer")
        say("     sidecars over UDP gossip before use, so a coordinator crash would not forget them.")
        say("  4. Near the end the coordinator switched to per-request grants (end-game) and sidecars handed back")
        say("     idle escrow, so the last tokens went to whichever sidecar had a request waiting.")
        say("  5. When what remained could not cover a request's reservation, sidecars answered 429")
        say("     cluster_budget_exceeded in the caller's own protocol (OpenAI or Anthropic error body).")
        say("")
        say("  provider ground truth: the mock served \(DemoTable.grouped(ptokens)) tokens in \(preqs) requests; the coordinator counted \(DemoTable.grouped(t.used)).")
        if errs > 0 { say("  (\(errs) requests failed for other reasons)") }
        let pct = t.limit > 0 ? Double(t.used) * 100 / Double(t.limit) : 0
        let pctText = String(Int(pct * 10) / 10) + "." + String(Int(pct * 10) % 10)
        if over == 0 {
            say("result: cluster total \(t.used) <= limit \(t.limit) tokens (\(pctText)% used); served \(t.totalServed), refused \(t.totalRefused); provider tokens \(ptokens); overspend 0")
            return 0
        }
        say("result: cluster total \(t.used) > limit \(t.limit) tokens; served \(t.totalServed), refused \(t.totalRefused); provider tokens \(ptokens); OVERSPEND \(over)")
        return 1
    }
}

/// Seconds on the monotonic clock.
enum MonotonicClockSeconds {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Runs `body` on a new thread.
func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ b: @escaping @Sendable () -> Void) { body = b }
    }
    var t = pthread_t()
    pthread_create(&t, nil, { arg in
        Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
        return nil
    }, Unmanaged.passRetained(Box(body)).toOpaque())
    return t
}

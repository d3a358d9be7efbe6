// Admission micro-benchmark for TollgateBudget. Built by scripts/bench-budget with swiftc -O
// together with the TollgateBudget sources (not a SwiftPM target, so the package stays as is).
//
// Each thread is one "event loop" with its own virtual key. Every request touches three budgets:
// a global token budget (shared by all threads), a team budget (shared by half the threads) and
// the key's own budget. A thread matches its subject against the cached table, reserves, and
// settles; we time reserve (matching included) and settle separately.
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

@inline(__always) func monoNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// Prints and flushes at once, so a run cut short still shows its lines.
func say(_ s: String) {
    print(s)
    fflush(nil)
}

struct Percentiles {
    var p50 = 0.0, p99 = 0.0, p999 = 0.0, max = 0.0, mean = 0.0

    init(_ samples: [Int64]) {
        let s = samples.sorted()
        func at(_ q: Double) -> Double { Double(s[min(s.count - 1, Int(Double(s.count) * q))]) / 1_000 }
        p50 = at(0.50); p99 = at(0.99); p999 = at(0.999)
        max = Double(s.last!) / 1_000
        mean = Double(s.reduce(0, +)) / Double(s.count) / 1_000
    }

    var text: String { String(format: "p50 %6.2f  p99 %6.2f  p999 %7.2f  max %8.1f  mean %5.2f µs", p50, p99, p999, max, mean) }
}

final class Samples: @unchecked Sendable {
    var reserve: [[Int64]]
    var settle: [[Int64]]
    /// Reserve to "reserve record durable" (what a request waits before it is forwarded).
    let durable = Mutex<[Int64]>([])
    init(threads: Int) {
        reserve = Array(repeating: [], count: threads)
        settle = Array(repeating: [], count: threads)
    }
}

func run(threads: Int, iterations: Int, journal: (any BudgetJournal)?, closedLoop: Bool = false) -> (Percentiles, Percentiles, Double, Percentiles?) {
    var defs = [BudgetDefinition(id: "global", unit: .totalTokens, window: .day, limit: Int64.max / 4)]
    for t in 0..<2 { defs.append(BudgetDefinition(id: "team-\(t)", scope: BudgetScope(team: "t\(t)"), unit: .totalTokens, window: .month, limit: Int64.max / 4)) }
    for k in 0..<threads { defs.append(BudgetDefinition(id: "key-\(k)", scope: BudgetScope(key: "k\(k)"), unit: .requests, window: .perMinute, limit: 1_000_000_000)) }
    let clock = SystemBudgetClock()
    let engine = BudgetEngine(defs, now: clock.nowNanos(), journal: journal)
    let samples = Samples(threads: threads)
    let start = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    for t in 0..<threads {
        let thread = Thread {
            var cache = BudgetTableCache()
            let subject = BudgetSubject(key: "k\(t)", team: "t\(t % 2)", model: "m")
            let estimate = CostEstimate(inputTokens: 1_200, requestedOutput: 256, price: ModelPrice(inputMicrosPerMillion: 2_500_000, outputMicrosPerMillion: 10_000_000))
            let actual = CostEstimator.actual(inputTokens: 900, outputTokens: 120)
            var res = [Int64](); res.reserveCapacity(iterations)
            var set = [Int64](); set.reserveCapacity(iterations)
            start.wait()
            for _ in 0..<iterations {
                let now = clock.nowNanos()
                let a = monoNanos()
                let cells = cache.current(engine).matching(subject)
                let admission = engine.reserve(cells, estimate, now: now)
                let b = monoNanos()
                guard case .admitted(let r) = admission else { fatalError("refused: \(admission)") }
                precondition(r.entries.count == 3)
                var settleStart = b
                if closedLoop, let ticket = r.ticket, let wal = journal as? WriteAheadLog {
                    // Like a proxied request: nothing more happens until the record is on disk.
                    wal.waitDurable(ticket)
                    let d = monoNanos() - a
                    samples.durable.withLock { $0.append(d) }
                    settleStart = monoNanos()
                } else if let ticket = r.ticket, let journal, r.id % 16 == 0 {
                    journal.onDurable(ticket) { _ in
                        let d = monoNanos() - a
                        samples.durable.withLock { $0.append(d) }
                    }
                }
                engine.settle(r, actual: actual, now: now)
                let c = monoNanos()
                res.append(b - a)
                set.append(c - settleStart)
            }
            samples.reserve[t] = res
            samples.settle[t] = set
            done.signal()
        }
        thread.start()
    }
    let t0 = monoNanos()
    for _ in 0..<threads { start.signal() }
    for _ in 0..<threads { done.wait() }
    let seconds = Double(monoNanos() - t0) / 1e9
    let total = Double(threads * iterations)
    (journal as? WriteAheadLog)?.flush()  // every durability callback has run
    let durable = samples.durable.withLock { $0 }
    return (Percentiles(samples.reserve.flatMap { $0 }), Percentiles(samples.settle.flatMap { $0 }), total / seconds,
            durable.isEmpty ? nil : Percentiles(durable))
}

@main
enum BudgetBench {
    static func main() throws {
        let args = CommandLine.arguments
        let iterations = args.count > 1 ? Int(args[1])! : 200_000
        let threadCounts = args.count > 2 ? args[2].split(separator: ",").map { Int($0)! } : [1, 2, 4, 8]
        say("cores: \(ProcessInfo.processInfo.activeProcessorCount), iterations per thread: \(iterations), 3 budgets per request")
        _ = run(threads: 2, iterations: 20_000, journal: nil)  // warm-up
        let modes = args.count > 3 ? args[3].split(separator: ",").map(String.init) : ["memory", "wal", "durable"]
        for mode in modes {
            switch mode {
            case "wal": say("-- with WAL journal (default group commit 2 ms, fsync), open loop: admission cost, WAL saturated")
            case "durable": say("-- with WAL journal, closed loop: each request waits until its reserve record is fsynced (as the proxy does)")
            default: say("-- engine only")
            }
            for threads in threadCounts {
                var wal: WriteAheadLog?
                let dir = NSTemporaryDirectory() + "tollgate-bench-\(UUID().uuidString)"
                if mode != "memory" { wal = try WriteAheadLog.open(.init(directory: dir)) }
                let (r, s, rate, durable) = run(threads: threads, iterations: mode == "durable" ? min(iterations, 1_000) : iterations,
                                                journal: wal, closedLoop: mode == "durable")
                wal?.flush()
                let stats = wal?.stats
                wal?.close()
                try? FileManager.default.removeItem(atPath: dir)
                say(String(format: "threads %d  reserve %@ | settle p50 %5.2f p99 %6.2f µs | %8.0f req/s", threads, r.text, s.p50, s.p99, rate))
                if let stats {
                    say(String(format: "           WAL: %llu records in %llu group commits (%.0f per fsync), %.1f ms per commit",
                               stats.records, stats.commits, Double(stats.records) / Double(max(1, stats.commits)),
                               Double(stats.commitNanos) / Double(max(1, stats.commits)) / 1e6))
                }
                if let durable {
                    say(String(format: "           reserve -> record fsynced (%@): p50 %.2f  p99 %.2f ms",
                               mode == "durable" ? "every request" : "every 16th request, WAL saturated", durable.p50 / 1_000, durable.p99 / 1_000))
                }
            }
        }
    }
}

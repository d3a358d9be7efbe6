import Dispatch
import Glibc
import Synchronization

/// The durable journal of the budget engine: segment files in a data directory, written by one
/// flusher thread with group commit.
///
/// `append` is cheap and never blocks on the disk: it queues the record in one of `shardCount`
/// append queues (chosen by reservation id, so one reservation's records keep their order and
/// concurrent requests rarely share a lock) and returns a ticket. The flusher wakes when a batch
/// starts, waits `flushInterval` so concurrent requests join the batch, then drains every queue,
/// encodes, writes and fdatasyncs once, and completes the tickets. Records of different
/// reservations commute in recovery, so the order across queues does not matter.
///
/// Every segment begins with a snapshot of all earlier records; a segment past `segmentBytes`
/// rotates into a new one and the old ones are deleted (compaction). Opening replays what is
/// there (see `WALRecoveryReport`), charges unsettled reservations in full, and starts afresh.
public final class WriteAheadLog: BudgetJournal, Sendable {
    public struct Options: Sendable {
        public var directory: String
        /// Group-commit window: how long the flusher lets a batch gather before fsync.
        public var flushIntervalNanos: Int64
        /// Rotate (and compact) once the current segment is this large.
        public var segmentBytes: Int
        /// fdatasync after each batch. Off only where durability does not matter (benchmarks).
        public var fsync: Bool
        /// Compaction keeps the settled total of a budget window only if this says the window
        /// still matters (nil: keep every one). Without it a long-lived log of hourly budgets
        /// would carry every past hour in every snapshot.
        public var keepTotal: (@Sendable (WALWindowKey) -> Bool)? = nil

        public init(directory: String, flushIntervalNanos: Int64 = 2 * Nanos.perMillisecond,
                    segmentBytes: Int = 16 << 20, fsync: Bool = true) {
            self.directory = directory
            self.flushIntervalNanos = flushIntervalNanos
            self.segmentBytes = segmentBytes
            self.fsync = fsync
        }
    }

    public static let shardCount = 16

    public let options: Options
    /// What was found on disk when the log was opened.
    public let recovered: WALRecoveryReport

    private struct Shard {
        var pending: [WALRecord] = []
        var lastSeq: UInt64 = 0
        var durableSeq: UInt64 = 0
        var waiters: [(seq: UInt64, done: @Sendable (Bool) -> Void)] = []
    }

    private struct Control {
        var urgent = false
        var compact = false
        var closing = false
        var closed = false
        var failure: WALError?
        var startedPasses: UInt64 = 0
        var completedPasses: UInt64 = 0
        var passWaiters: [(pass: UInt64, done: @Sendable () -> Void)] = []
    }

    private let shards: [AdaptiveMutex<Shard>] = (0..<WriteAheadLog.shardCount).map { _ in AdaptiveMutex(Shard()) }
    private let control = Mutex(Control())
    private let failed = Atomic<Bool>(false)
    private let counters = WALCounters()
    private let writer: Mutex<WALWriter>
    private let wakeup = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    private init(options: Options, writer: WALWriter, recovered: WALRecoveryReport) {
        self.options = options
        self.writer = Mutex(writer)
        self.recovered = recovered
    }

    /// Opens (creating if needed) the log in `options.directory`, recovers, starts the flusher.
    public static func open(_ options: Options) throws(WALError) -> WriteAheadLog {
        let (writer, report) = try WALWriter.open(options)
        let log = WriteAheadLog(options: options, writer: writer, recovered: report)
        // One long-lived flusher on its own Dispatch queue: slow work, never on an event loop.
        DispatchQueue(label: "tollgate-wal").async { [log] in log.flushLoop() }
        return log
    }

    /// Queues a record; durable once the returned ticket is (see `onDurable`).
    public func append(_ record: WALRecord) -> WALTicket {
        let shard: Int
        switch record {
        case .reserve(let id, _), .settle(let id, _), .release(let id): shard = Int(id % UInt64(Self.shardCount))
        default: shard = 0
        }
        let (seq, wake) = shards[shard].withLock { s -> (UInt64, Bool) in
            s.lastSeq += 1
            s.pending.append(record)
            return (s.lastSeq, s.pending.count == 1)
        }
        if wake { wakeup.signal() }
        return WALTicket(shard: shard, sequence: seq)
    }

    /// Calls `done(true)` once the ticket's record is on disk (`false` if the WAL failed or was
    /// closed first). Runs on the flusher thread, or here if already durable: hand over to your
    /// loop, do not block in it.
    public func onDurable(_ ticket: WALTicket, _ done: @escaping @Sendable (Bool) -> Void) {
        let now: Bool? = shards[ticket.shard].withLock { s in
            if ticket.sequence <= s.durableSeq { return !failed.load(ordering: .acquiring) }
            s.waiters.append((ticket.sequence, done))
            return nil
        }
        if let now { done(now) }
        // Registered after the flusher stopped: nobody will call it.
        if now == nil && control.withLock({ $0.closed }) { failWaiters() }
    }

    /// Blocks until the ticket is durable. For tests, tools and shutdown; never on an event loop.
    @discardableResult
    public func waitDurable(_ ticket: WALTicket) -> Bool {
        let sem = DispatchSemaphore(value: 0)
        let result = Mutex(false)
        onDurable(ticket) { ok in
            result.withLock { $0 = ok }
            sem.signal()
        }
        sem.wait()
        return result.withLock { $0 }
    }

    /// Writes everything queued now, without waiting out the group-commit window, and waits.
    @discardableResult
    public func flush() -> Bool {
        waitForPass { $0.urgent = true }
        return !failed.load(ordering: .acquiring)
    }

    /// Rotates to a new segment headed by a snapshot and deletes the old ones, and waits.
    @discardableResult
    public func compact() -> Bool {
        waitForPass { c in
            c.urgent = true
            c.compact = true
        }
        return !failed.load(ordering: .acquiring)
    }

    /// Waits for a flusher pass that starts after this call (so it sees everything queued now).
    private func waitForPass(_ request: (inout Control) -> Void) {
        let sem = DispatchSemaphore(value: 0)
        let closed = control.withLock { c -> Bool in
            if c.closed { return true }
            request(&c)
            c.passWaiters.append((c.startedPasses + 1, { sem.signal() }))
            return false
        }
        guard !closed else { return }
        wakeup.signal()
        sem.wait()
    }

    /// Settled usage per budget window as written so far (after flushing what is queued): what a
    /// budget installed by a reload starts from. Blocks for one flush; never on an event loop.
    public func settledTotals() -> [WALWindowKey: Int64] {
        flush()
        return writer.withLock { $0.state.totals }
    }

    /// The segment files currently on disk (for tests and the admin API).
    public func segments() -> [UInt64] { (try? WALFiles.listSegments(options.directory)) ?? [] }

    /// Records, bytes, commits and sync time so far (for /metrics).
    public var stats: WALStats { counters.snapshot }

    private static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// The first write error, if any: after it, no ticket completes as durable.
    public var failure: WALError? { control.withLock { $0.failure } }

    /// Flushes what is queued, stops the flusher and closes the file. Idempotent. Records
    /// appended after this are dropped (their tickets complete with false).
    public func close() {
        let already = control.withLock { c -> Bool in
            defer { c.closing = true }
            return c.closing
        }
        guard !already else { return }
        wakeup.signal()
        stopped.wait()
    }

    // MARK: - Flusher thread

    private func flushLoop() {
        let interval = UInt32(clamping: max(0, options.flushIntervalNanos / 1_000))
        var lasts = [UInt64](repeating: 0, count: Self.shardCount)
        while true {
            wakeup.wait()
            let hurry = control.withLock { $0.urgent || $0.closing }
            if !hurry && interval > 0 { usleep(interval) }
            let (compact, closing, pass) = control.withLock { c in
                defer {
                    c.urgent = false
                    c.compact = false
                }
                c.startedPasses += 1
                return (c.compact, c.closing, c.startedPasses)
            }
            var batch: [WALRecord] = []
            for (i, shard) in shards.enumerated() {
                shard.withLock { s in
                    if batch.isEmpty { swap(&batch, &s.pending) } else { batch += s.pending; s.pending = [] }
                    lasts[i] = s.lastSeq
                }
            }
            var error: WALError?
            if !batch.isEmpty || compact {
                let started = Self.monotonicNanos()
                do throws(WALError) {
                    let (written, rotated) = try writer.withLock { w throws(WALError) -> (Int, Bool) in
                        let before = w.segmentSize
                        try w.write(batch, sync: options.fsync)
                        let written = w.segmentSize - before
                        if compact || w.segmentSize >= options.segmentBytes {
                            try w.rotate(keepTotal: options.keepTotal)
                            return (written, true)
                        }
                        return (written, false)
                    }
                    counters.records.add(UInt64(batch.count), ordering: .relaxed)
                    counters.bytes.add(UInt64(written), ordering: .relaxed)
                    if !batch.isEmpty { counters.commits.add(1, ordering: .relaxed) }
                    if rotated { counters.rotations.add(1, ordering: .relaxed) }
                } catch let e {
                    error = e
                    counters.failures.add(1, ordering: .relaxed)
                }
                counters.commitNanos.add(Self.monotonicNanos() &- started, ordering: .relaxed)
            }
            if error != nil { failed.store(true, ordering: .releasing) }
            let ok = !failed.load(ordering: .acquiring)
            for (i, shard) in shards.enumerated() {
                let done = shard.withLock { s -> [(seq: UInt64, done: @Sendable (Bool) -> Void)] in
                    s.durableSeq = lasts[i]
                    let ready = s.waiters.filter { $0.seq <= lasts[i] }
                    if !ready.isEmpty { s.waiters.removeAll { $0.seq <= lasts[i] } }
                    return ready
                }
                for d in done { d.done(ok) }
            }
            let passDone = control.withLock { c -> [@Sendable () -> Void] in
                if let error, c.failure == nil { c.failure = error }
                c.completedPasses = pass
                let ready = c.passWaiters.filter { $0.pass <= pass }.map(\.done)
                c.passWaiters.removeAll { $0.pass <= pass }
                if closing { c.closed = true }
                return ready
            }
            for d in passDone { d() }
            if closing { break }
        }
        writer.withLock { $0.close() }
        failWaiters()
        let late = control.withLock { c in
            defer { c.passWaiters = [] }
            return c.passWaiters.map(\.done)
        }
        for d in late { d() }
        stopped.signal()
    }

    /// After the flusher stopped: complete every remaining waiter with false.
    private func failWaiters() {
        for shard in shards {
            let late = shard.withLock { s in
                defer { s.waiters = [] }
                return s.waiters
            }
            for w in late { w.done(false) }
        }
    }
}

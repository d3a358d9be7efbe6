import Dispatch
import Foundation
import Synchronization

/// The durable journal of the budget engine: segment files in a data directory, written by one
/// flusher thread with group commit.
///
/// `append` is cheap and never blocks on the disk: it queues the record under a short lock and
/// returns a ticket. The flusher wakes when a batch starts, waits `flushInterval` so concurrent
/// requests join the batch, then encodes, writes and fdatasyncs the batch once and completes the
/// tickets. Every segment begins with a snapshot of all earlier records; a segment past
/// `segmentBytes` rotates into a new one and the old ones are deleted (compaction).
///
/// Opening replays what is there (see `WALRecoveryReport`), charges unsettled reservations in
/// full, and starts a fresh segment with that state.
public final class WriteAheadLog: BudgetJournal, Sendable {
    public struct Options: Sendable {
        public var directory: String
        /// Group-commit window: how long the flusher lets a batch gather before fsync.
        public var flushIntervalNanos: Int64
        /// Rotate (and compact) once the current segment is this large.
        public var segmentBytes: Int
        /// fdatasync after each batch. Only tests that simulate crashes by hand turn it off.
        public var fsync: Bool

        public init(directory: String, flushIntervalNanos: Int64 = 2 * Nanos.perMillisecond,
                    segmentBytes: Int = 16 << 20, fsync: Bool = true) {
            self.directory = directory
            self.flushIntervalNanos = flushIntervalNanos
            self.segmentBytes = segmentBytes
            self.fsync = fsync
        }
    }

    public let options: Options
    /// What was found on disk when the log was opened.
    public let recovered: WALRecoveryReport

    private struct Queue {
        var pending: [WALRecord] = []
        var lastSeq: UInt64 = 0
        var durableSeq: UInt64 = 0
        var waiters: [(seq: UInt64, done: @Sendable (Bool) -> Void)] = []
        var failure: WALError?
        var urgent = false
        var compact = false
        var closing = false
        var closed = false
    }

    private let queue = Mutex(Queue())
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
        let thread = Thread { [log] in log.flushLoop() }
        thread.name = "tollgate-wal"
        thread.start()
        return log
    }

    /// Queues a record; durable once the returned ticket is (see `onDurable`).
    public func append(_ record: WALRecord) -> WALTicket {
        let (seq, wake) = queue.withLock { q -> (UInt64, Bool) in
            q.lastSeq += 1
            q.pending.append(record)
            return (q.lastSeq, q.pending.count == 1)
        }
        if wake { wakeup.signal() }
        return WALTicket(sequence: seq)
    }

    /// Calls `done(true)` once the ticket's record is on disk (`false` if the WAL failed or was
    /// closed first). Runs on the flusher thread, or here if already durable: hand over to your
    /// loop, do not block in it.
    public func onDurable(_ ticket: WALTicket, _ done: @escaping @Sendable (Bool) -> Void) {
        let now: Bool? = queue.withLock { q in
            if ticket.sequence <= q.durableSeq { return q.failure == nil }
            if q.closed { return false }
            q.waiters.append((ticket.sequence, done))
            return nil
        }
        if let now { done(now) }
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
        let last = queue.withLock { q in
            q.urgent = true
            return q.lastSeq
        }
        wakeup.signal()
        return waitDurable(WALTicket(sequence: last))
    }

    /// Rotates to a new segment headed by a snapshot and deletes the old ones, at the next flush.
    @discardableResult
    public func compact() -> Bool {
        queue.withLock { $0.compact = true }
        return flush()
    }

    /// The segment files currently on disk (for tests and the admin API).
    public func segments() -> [UInt64] { (try? WALFiles.listSegments(options.directory)) ?? [] }

    /// The first write error, if any: after it, no ticket completes as durable.
    public var failure: WALError? { queue.withLock { $0.failure } }

    /// Flushes what is queued, stops the flusher and closes the file. Idempotent.
    public func close() {
        let already = queue.withLock { q -> Bool in
            defer { q.closing = true }
            return q.closing
        }
        guard !already else { return }
        wakeup.signal()
        stopped.wait()
    }

    // MARK: - Flusher thread

    private func flushLoop() {
        let interval = UInt32(clamping: max(0, options.flushIntervalNanos / 1_000))
        while true {
            wakeup.wait()
            let hurry = queue.withLock { $0.urgent || $0.closing }
            if !hurry && interval > 0 { usleep(interval) }
            let (batch, last, compact, closing) = queue.withLock { q in
                defer {
                    q.pending = []
                    q.urgent = false
                    q.compact = false
                }
                return (q.pending, q.lastSeq, q.compact, q.closing)
            }
            var error: WALError?
            if !batch.isEmpty || compact {
                do throws(WALError) {
                    try writer.withLock { w throws(WALError) in
                        try w.write(batch, sync: options.fsync)
                        if compact || w.segmentSize >= options.segmentBytes { try w.rotate() }
                    }
                } catch let e {
                    error = e
                }
            }
            let done = queue.withLock { q -> [(UInt64, @Sendable (Bool) -> Void)] in
                if let error, q.failure == nil { q.failure = error }
                q.durableSeq = max(q.durableSeq, last)
                let ok = q.waiters.filter { $0.seq <= last }
                q.waiters.removeAll { $0.seq <= last }
                if closing && q.pending.isEmpty { q.closed = true }
                return ok.map { ($0.seq, $0.done) }
            }
            let ok = queue.withLock { $0.failure == nil }
            for (_, d) in done { d(ok) }
            if closing && queue.withLock({ $0.closed }) { break }
        }
        writer.withLock { $0.close() }
        let late = queue.withLock { q in
            defer { q.waiters = [] }
            return q.waiters
        }
        for w in late { w.done(false) }
        stopped.signal()
    }
}

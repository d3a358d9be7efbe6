#if canImport(Glibc)
import Glibc
#endif

/// What opening the WAL found: per segment, how replay ended; and the recovered state.
public struct WALRecoveryReport: Sendable {
    public struct Segment: Sendable, Equatable {
        public var number: UInt64
        public var report: WALReplayer.Report
        /// False if the file did not even hold a whole header (a crash while creating it).
        public var headerValid: Bool
    }

    public var segments: [Segment]
    /// The replayed state before charging (settled totals, open reservations).
    public var state: WALRecovery
    /// Settled usage plus every unsettled reservation in full, per budget window: what the engine
    /// restores (`BudgetEngine.restore`).
    public var charged: [WALWindowKey: Int64] { state.charged }
    /// Reservations found without a settlement, charged in full.
    public var unsettledReservations: Int { state.open.count }
    public var nextReservationID: UInt64 { state.nextReservationID }
    /// Total bytes dropped at torn or corrupt tails.
    public var truncatedBytes: Int { segments.reduce(0) { $0 + $1.report.truncatedBytes } }
    /// Human summary for the startup log.
    public var problems: [String] {
        segments.compactMap { s in
            if !s.headerValid { return "segment \(s.number): no valid header, ignored" }
            switch s.report.stop {
            case .clean: return nil
            case .tornTail: return "segment \(s.number): torn tail, truncated \(s.report.truncatedBytes) bytes after \(s.report.records) records"
            case .corrupt(let why): return "segment \(s.number): \(why), truncated \(s.report.truncatedBytes) bytes after \(s.report.records) records"
            }
        }
    }
}

/// The flusher's side of the WAL: the open segment, its size, and the running state of every
/// record written (so rotation can write an exact snapshot). Only the flusher touches it.
struct WALWriter {
    let directory: String
    var segment: UInt64
    var fd: Int32
    /// Held on `directory/LOCK` while this writer lives: one writer per directory.
    var lockFD: Int32 = -1
    var segmentSize = 0
    var state: WALRecovery

    private init(directory: String, segment: UInt64, fd: Int32, state: WALRecovery) {
        self.directory = directory
        self.segment = segment
        self.fd = fd
        self.state = state
    }

    func path(_ n: UInt64) -> String { directory + "/" + WALFiles.segmentName(n) }

    /// Replays every segment, cuts torn or corrupt tails, then starts a new segment headed by a
    /// snapshot that charges unsettled reservations, and deletes the old segments.
    static func open(_ options: WriteAheadLog.Options) throws(WALError) -> (WALWriter, WALRecoveryReport) {
        let dir = options.directory
        try WALFiles.ensureDirectory(dir)
        let lockFD = try WALFiles.lockDirectory(dir)
        do throws(WALError) {
            var (w, report) = try openLocked(options)
            w.lockFD = lockFD
            return (w, report)
        } catch {
            Glibc.close(lockFD)
            throw error
        }
    }

    private static func openLocked(_ options: WriteAheadLog.Options) throws(WALError) -> (WALWriter, WALRecoveryReport) {
        let dir = options.directory
        let existing = try WALFiles.listSegments(dir)
        var state = WALRecovery()
        var reports: [WALRecoveryReport.Segment] = []
        for n in existing {
            let p = dir + "/" + WALFiles.segmentName(n)
            let bytes = try WALFiles.readAll(p)
            guard WALSegmentHeader.decode(bytes) != nil else {
                reports.append(.init(number: n, report: .init(records: 0, validBytes: 0, truncatedBytes: bytes.count, stop: .tornTail),
                                     headerValid: false))
                continue
            }
            let (records, report) = WALReplayer.replay(bytes.dropFirst(WALSegmentHeader.size))
            state.apply(records)
            if report.stop != .clean {
                try WALFiles.truncate(p, to: WALSegmentHeader.size + report.validBytes)
            }
            reports.append(.init(number: n, report: report, headerValid: true))
        }
        let report = WALRecoveryReport(segments: reports, state: state)

        // The dead process's reservations are charged from here on.
        var fresh = WALRecovery()
        fresh.apply(.snapshot(state.snapshotChargingOpen()))
        let next = (existing.last ?? 0) + 1
        var w = WALWriter(directory: dir, segment: next, fd: -1, state: fresh)
        try w.startSegment(next, sync: options.fsync)
        try w.deleteBefore(next)
        return (w, report)
    }

    /// Creates segment `n` with its header and a snapshot of `state`, durably.
    mutating func startSegment(_ n: UInt64, sync: Bool) throws(WALError) {
        let p = path(n)
        let fd = try WALFiles.openAppend(p)
        var bytes = WALSegmentHeader(segment: n).encoded
        WALRecord.snapshot(state.snapshot()).encode(into: &bytes)
        do throws(WALError) {
            try WALFiles.writeAll(fd, bytes, path: p)
            if sync {
                try WALFiles.sync(fd, path: p)
                try WALFiles.syncDirectory(directory)
            }
        } catch {
            Glibc.close(fd)
            throw error
        }
        if self.fd >= 0 { Glibc.close(self.fd) }
        self.fd = fd
        segment = n
        segmentSize = bytes.count
    }

    /// Encodes, appends and syncs one batch.
    mutating func write(_ batch: [WALRecord], sync: Bool) throws(WALError) {
        guard !batch.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(batch.count * 64)
        for r in batch { r.encode(into: &bytes) }
        try WALFiles.writeAll(fd, bytes, path: path(segment))
        if sync { try WALFiles.sync(fd, path: path(segment)) }
        segmentSize += bytes.count
        state.apply(batch)
    }

    /// Compaction: a new segment headed by the snapshot of everything so far; then the old
    /// segments go. A crash in between leaves both, and replay gives the same state.
    mutating func rotate(keepTotal: ((WALWindowKey) -> Bool)? = nil) throws(WALError) {
        if let keepTotal { state.dropTotals { !keepTotal($0) } }
        let old = segment
        try startSegment(old + 1, sync: true)
        try deleteBefore(old + 1)
    }

    func deleteBefore(_ n: UInt64) throws(WALError) {
        for s in try WALFiles.listSegments(directory) where s < n {
            try WALFiles.remove(path(s))
        }
        try WALFiles.syncDirectory(directory)
    }

    mutating func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        if lockFD >= 0 { Glibc.close(lockFD) }
        lockFD = -1
    }
}

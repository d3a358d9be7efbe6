import Foundation
import Testing
@testable import TollgateBudget
import TollgateTestSupport

/// A fresh directory under /tmp, removed when the test ends.
final class TempDir {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "tollgate-wal-" + UUID().uuidString
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var segmentFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
            .map { path + "/" + $0 }
    }
}

struct WriteAheadLogTests {
    let key = WALWindowKey(budgetID: "day", windowID: 5)

    func e(_ amount: Int64) -> [WALEntry] { [WALEntry(budgetID: "day", windowID: 5, amount: amount)] }

    /// Records written and flushed are there after reopening; unsettled ones are charged in full.
    @Test func writeReopenRecover() throws {
        let dir = TempDir()
        let wal = try WriteAheadLog.open(.init(directory: dir.path))
        #expect(wal.recovered.segments.isEmpty)
        _ = wal.append(.reserve(id: 1, entries: e(100)))
        _ = wal.append(.settle(id: 1, entries: e(30)))
        let t = wal.append(.reserve(id: 2, entries: e(200)))
        #expect(wal.waitDurable(t))
        wal.close()

        let again = try WriteAheadLog.open(.init(directory: dir.path))
        #expect(again.recovered.charged[key] == 230)
        #expect(again.recovered.unsettledReservations == 1)
        #expect(again.recovered.nextReservationID == 3)
        #expect(again.recovered.problems.isEmpty)
        again.close()
        // The charge is now settled history: a third open charges the same, not twice.
        let third = try WriteAheadLog.open(.init(directory: dir.path))
        #expect(third.recovered.charged[key] == 230)
        #expect(third.segments().count == 1)
        third.close()
    }

    /// A crash mid-record (file cut inside the last frame) truncates to the last good record.
    @Test func tornTailIsTruncatedAndReported() throws {
        let dir = TempDir()
        let wal = try WriteAheadLog.open(.init(directory: dir.path))
        _ = wal.append(.settle(id: 1, entries: e(10)))
        _ = wal.append(.settle(id: 2, entries: e(20)))
        wal.flush()
        wal.close()
        let file = try #require(dir.segmentFiles.last)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        try WALFiles.truncate(file, to: size - 5)

        let again = try WriteAheadLog.open(.init(directory: dir.path))
        let seg = try #require(again.recovered.segments.last)
        #expect(seg.report.stop == .tornTail)
        #expect(seg.report.truncatedBytes == WALRecord.settle(id: 2, entries: e(20)).encoded.count - 5)
        #expect(again.recovered.charged[key] == 10)
        #expect(again.recovered.problems.count == 1)
        again.close()
    }

    /// A flipped byte in the middle stops replay there; later records are dropped and reported.
    @Test func corruptByteIsReported() throws {
        let dir = TempDir()
        let wal = try WriteAheadLog.open(.init(directory: dir.path))
        for i in 1...3 { _ = wal.append(.settle(id: UInt64(i), entries: e(Int64(i)))) }
        wal.flush()
        wal.close()
        let file = try #require(dir.segmentFiles.last)
        var bytes = try WALFiles.readAll(file)
        let last = WALRecord.settle(id: 3, entries: e(3)).encoded.count
        let second = bytes.count - last - last / 2
        bytes[second] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: file))

        let again = try WriteAheadLog.open(.init(directory: dir.path))
        let seg = try #require(again.recovered.segments.last)
        guard case .corrupt = seg.report.stop else {
            Issue.record("expected corruption, got \(seg.report.stop)")
            return
        }
        #expect(again.recovered.charged[key] == 1)
        again.close()
    }

    /// Rotation past the segment size compacts: old segments go, totals stay.
    @Test func rotationCompacts() throws {
        let dir = TempDir()
        let wal = try WriteAheadLog.open(.init(directory: dir.path, flushIntervalNanos: 0, segmentBytes: 512))
        for i in 1...200 {
            _ = wal.append(.reserve(id: UInt64(i), entries: e(10)))
            let t = wal.append(.settle(id: UInt64(i), entries: e(1)))
            if i % 20 == 0 { wal.waitDurable(t) }
        }
        _ = wal.append(.reserve(id: 500, entries: e(7)))
        wal.flush()
        #expect(wal.segments().count == 1)
        wal.close()
        let again = try WriteAheadLog.open(.init(directory: dir.path))
        #expect(again.recovered.charged[key] == 207)
        #expect(again.recovered.nextReservationID == 501)
        again.close()
    }

    /// Many threads appending concurrently: every ticket completes and every record is kept.
    @Test func groupCommitFromManyThreads() throws {
        let dir = TempDir()
        let wal = try WriteAheadLog.open(.init(directory: dir.path, flushIntervalNanos: 1_000_000))
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            for i in 0..<250 {
                let ticket = wal.append(.settle(id: UInt64(t * 1_000 + i), entries: e(1)))
                if i % 50 == 49 { #expect(wal.waitDurable(ticket)) }
            }
        }
        wal.close()
        let again = try WriteAheadLog.open(.init(directory: dir.path))
        #expect(again.recovered.charged[key] == 1_000)
        again.close()
    }

    /// The engine journals through the WAL and a restarted engine restores what was charged.
    @Test func engineRestartRestores() throws {
        let dir = TempDir()
        let defs = [tokens("day", 1_000, minimumGrant: 1)]
        let wal = try WriteAheadLog.open(.init(directory: dir.path))
        let engine = BudgetEngine(defs, now: t0, journal: wal, firstReservationID: wal.recovered.nextReservationID)
        let a = try #require(engine.reserve(BudgetSubject(), request(input: 100, output: 100), now: t0).reservation)
        let settled = engine.settle(a, actual: CostEstimator.actual(inputTokens: 100, outputTokens: 50), now: t0)
        let b = try #require(engine.reserve(BudgetSubject(), request(input: 300, output: 0), now: t0).reservation)
        #expect(wal.waitDurable(try #require(settled.ticket)))
        wal.flush()
        wal.close()  // "crash" with b in flight

        let wal2 = try WriteAheadLog.open(.init(directory: dir.path))
        let engine2 = BudgetEngine(defs, now: t0, journal: wal2, firstReservationID: wal2.recovered.nextReservationID)
        engine2.restore(wal2.recovered.charged, now: t0)
        #expect(engine2.snapshot(now: t0)[0].used == 450)
        let c = try #require(engine2.reserve(BudgetSubject(), request(input: 1, output: 0), now: t0).reservation)
        #expect(c.id > b.id)
        wal2.close()
    }
}

struct WALCrashCopyTests {
    /// kill -9 leaves on disk exactly what was written: copy the data directory at random moments
    /// while traffic runs and the flusher writes, recover each copy, and check that no
    /// acknowledged settlement is lost and the hard limit is never exceeded.
    @Test func recoverCopiesTakenMidTraffic() throws {
        let dir = TempDir()
        let limit: Int64 = 40_000
        let defs = [tokens("life", limit, .lifetime, minimumGrant: 1)]
        let key = WALWindowKey(budgetID: "life", windowID: 0)
        let wal = try WriteAheadLog.open(.init(directory: dir.path, flushIntervalNanos: 200_000))
        let engine = BudgetEngine(defs, now: t0, journal: wal)
        var rng = SplitMix64(seed: 99)
        var inFlight: [Reservation] = []
        var ackedSum: Int64 = 0
        var pendingAck: Int64 = 0
        var copies = 0
        for step in 0..<1_500 {
            if Bool.random(using: &rng), let r = engine.reserve(BudgetSubject(), request(input: Int64.random(in: 1...40, using: &rng), output: 60), now: t0).reservation {
                inFlight.append(r)
            } else if !inFlight.isEmpty {
                let r = inFlight.removeFirst()
                let actual = Int64.random(in: 0...r.cost.totalTokens, using: &rng)
                engine.settle(r, actual: CostEstimator.actual(inputTokens: actual, outputTokens: 0), now: t0)
                pendingAck += actual
            }
            if step % 97 == 0 {
                wal.flush()
                ackedSum += pendingAck
                pendingAck = 0
            }
            if step % 61 == 0 {
                // The crash: whatever is in the files now, possibly mid-write.
                let copy = TempDir()
                try WALFiles.ensureDirectory(copy.path)
                for file in dir.segmentFiles {
                    let bytes = try WALFiles.readAll(file)
                    try Data(bytes).write(to: URL(fileURLWithPath: copy.path + "/" + (file as NSString).lastPathComponent))
                }
                let recovered = try WriteAheadLog.open(.init(directory: copy.path))
                let charged = recovered.recovered.charged[key, default: 0]
                #expect(charged >= ackedSum, "step \(step): recovered \(charged) < acknowledged \(ackedSum)")
                #expect(charged <= limit)
                recovered.close()
                copies += 1
            }
        }
        wal.close()
        #expect(copies > 20 && ackedSum > 0)
    }
}

struct WALDirectoryLockTests {
    /// A second writer on the same directory is refused (records would interleave); once the
    /// first closes, the directory opens again.
    @Test func oneWriterPerDirectory() throws {
        let dir = TempDir()
        let first = try WriteAheadLog.open(.init(directory: dir.path))
        #expect(throws: WALError.self) { try WriteAheadLog.open(.init(directory: dir.path)) }
        do {
            _ = try WriteAheadLog.open(.init(directory: dir.path))
        } catch {
            #expect(error.code == .locked)
            #expect(error.description.contains("in use by another process"))
        }
        first.close()
        let second = try WriteAheadLog.open(.init(directory: dir.path))
        second.close()
    }
}

struct WALCompactionPruningTests {
    /// Compaction drops the totals the keep rule rejects (ended windows) and keeps the rest, and
    /// open reservations, across a reopen.
    @Test func compactionDropsEndedWindows() throws {
        let dir = TempDir()
        var options = WriteAheadLog.Options(directory: dir.path)
        options.keepTotal = { $0.windowID >= 10 }
        let wal = try WriteAheadLog.open(options)
        _ = wal.append(.settle(id: 1, entries: [WALEntry(budgetID: "day", windowID: 9, amount: 50)]))
        _ = wal.append(.settle(id: 2, entries: [WALEntry(budgetID: "day", windowID: 10, amount: 70)]))
        _ = wal.append(.reserve(id: 3, entries: [WALEntry(budgetID: "day", windowID: 9, amount: 5)]))
        #expect(wal.compact())
        #expect(wal.stats.rotations == 1)
        wal.close()
        let again = try WriteAheadLog.open(.init(directory: dir.path))
        defer { again.close() }
        #expect(again.recovered.charged[WALWindowKey(budgetID: "day", windowID: 10)] == 70)
        // The ended window's settled total is gone; its open reservation was kept and charged.
        #expect(again.recovered.charged[WALWindowKey(budgetID: "day", windowID: 9)] == 5)
    }
}

import Synchronization

/// Running figures of a `WriteAheadLog`, for /metrics: how much was written, how often it was
/// synced and how long the syncs took.
public struct WALStats: Sendable, Equatable {
    public var records: UInt64 = 0
    public var bytes: UInt64 = 0
    /// Group commits (one write and one fdatasync each, when syncing).
    public var commits: UInt64 = 0
    /// Total nanoseconds spent writing and syncing batches.
    public var commitNanos: UInt64 = 0
    /// Rotations to a new segment headed by a snapshot (compactions).
    public var rotations: UInt64 = 0
    public var failures: UInt64 = 0

    public init() {}
}

/// The atomics behind `WALStats`: updated by the flusher, read by the metrics renderer.
final class WALCounters: Sendable {
    let records = Atomic<UInt64>(0)
    let bytes = Atomic<UInt64>(0)
    let commits = Atomic<UInt64>(0)
    let commitNanos = Atomic<UInt64>(0)
    let rotations = Atomic<UInt64>(0)
    let failures = Atomic<UInt64>(0)

    var snapshot: WALStats {
        var s = WALStats()
        s.records = records.load(ordering: .relaxed)
        s.bytes = bytes.load(ordering: .relaxed)
        s.commits = commits.load(ordering: .relaxed)
        s.commitNanos = commitNanos.load(ordering: .relaxed)
        s.rotations = rotations.load(ordering: .relaxed)
        s.failures = failures.load(ordering: .relaxed)
        return s
    }
}

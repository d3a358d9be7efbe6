/// Counts identical tool calls per caller in a sliding window and refuses the one that would
/// exceed the limit. Pure: the caller passes the time (and keeps the guard behind its own lock).
/// Refused calls are not recorded, so an agent that stops looping gets through again once its
/// oldest counted call leaves the window.
public struct MCPLoopGuard: Sendable {
    /// Keys tracked at most; expired ones are dropped first, then the least recently used.
    public let maxKeys: Int
    private var calls: [String: [UInt64]] = [:]

    public init(maxKeys: Int = 50_000) {
        self.maxKeys = maxKeys
    }

    public var trackedKeys: Int { calls.count }

    /// Admits and records a call of `key` at `now`, or refuses it (returns the number of calls
    /// already counted in the window).
    public mutating func admit(key: String, settings: MCPLoopGuardSettings, now: UInt64) -> (admitted: Bool, seen: Int) {
        let cutoff = now >= settings.windowNanos ? now - settings.windowNanos : 0
        var times = calls[key] ?? []
        times.removeAll { $0 <= cutoff && now >= settings.windowNanos }
        guard times.count < settings.maxRepeats else {
            calls[key] = times
            return (false, times.count)
        }
        times.append(now)
        calls[key] = times
        if calls.count > maxKeys { evict(now: now, window: settings.windowNanos) }
        return (true, times.count)
    }

    private mutating func evict(now: UInt64, window: UInt64) {
        let cutoff = now >= window ? now - window : 0
        calls = calls.filter { ($0.value.last ?? 0) > cutoff }
        while calls.count > maxKeys, let oldest = calls.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) }) {
            calls[oldest.key] = nil
        }
    }
}

/// The loop guard's trigger: more than `maxRepeats` identical calls (same server, tool and
/// argument digest, same caller and workflow) within `windowNanos` are refused.
public struct MCPLoopGuardSettings: Sendable, Hashable {
    public var maxRepeats: Int
    public var windowNanos: UInt64

    public init(maxRepeats: Int, windowNanos: UInt64) {
        self.maxRepeats = maxRepeats
        self.windowNanos = windowNanos
    }
}

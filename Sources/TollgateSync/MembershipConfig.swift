/// SWIM timing (memberlist-like defaults, shortened for a LAN).
public struct MembershipConfig: Sendable, Hashable {
    public var probeInterval: Int64 = 1_000_000_000
    public var probeTimeout: Int64 = 300_000_000
    public var indirectProbes = 3
    /// Suspicion lasts this many probe intervals x log10(N+1) (at least 1) before `dead`.
    public var suspicionMult: Int64 = 4
    public var gossipInterval: Int64 = 200_000_000
    public var fanout = 3
    /// Each broadcast is sent retransmitMult x ceil(log10(N+1)) times.
    public var retransmitMult = 4
    public var maxPiggyback = 12
    /// Cap on queued broadcasts (oldest, most-sent dropped first).
    public var maxQueue = 256
    /// Push-pull anti-entropy period at 32 members, scaled up like memberlist beyond.
    public var pushPullInterval: Int64 = 5_000_000_000
    /// Local usage summary is published at most this often.
    public var usagePublishInterval: Int64 = 1_000_000_000

    public init() {}
}

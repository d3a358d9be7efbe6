/// A lease as its holder keeps it: the range (granted - amount, granted] of its cumulative grant
/// counter from `issuer`, spendable until `expiresAt` on the holder's clock (ask time + ttl), and
/// only once `k` custodians acknowledged it (`activated`).
public struct Lease: Sendable, Hashable {
    public var issuer: NodeIdentity
    /// Top of the range in the issuer's cumulative grant counter for this holder.
    public var rangeEnd: Int64
    public var amount: Int64
    /// Not yet reserved or spent.
    public var available: Int64
    public var askedAt: Int64
    public var expiresAt: Int64
    public var isReserve: Bool
    public var activated: Bool
    /// Closed: expired or returned; nothing more is spent from it.
    public var closed: Bool
    public var token: UInt64
    public var acks: Set<String>
    public var neededAcks: Int
    public var lastAnnounceAt: Int64

    public func usable(at now: Int64) -> Bool { activated && !closed && now < expiresAt }
}

/// An admission's hold on one or more leases, released by `settle`.
public struct LeaseTicket: Sendable, Hashable, CustomStringConvertible {
    public var id: UInt64
    public init(id: UInt64) { self.id = id }
    public var description: String { "ticket#\(id)" }
}

/// Why a sidecar refused an admission.
public enum SyncRefusal: UInt8, Sendable, Hashable, CaseIterable {
    /// The cluster budget is spent (the coordinator has less than the request left).
    case exhausted = 1
    /// The coordinator is unreachable, leases are spent and the partition policy says no.
    case coordinatorUnreachable = 2
    /// No cluster budget with this scope.
    case unknownBudget = 3
}

/// The sidecar's answer to an admission request.
public enum SyncAdmission: Sendable, Hashable {
    case admitted(LeaseTicket)
    case refused(SyncRefusal)
    /// More escrow has been asked for; retry when a message arrives or on the next tick.
    case wait
}

/// Everything TollgateSync puts on the wire, coordinator <-> sidecar and sidecar <-> sidecar.
public enum SyncMessage: Sendable, Hashable {
    case leaseRequest(LeaseRequest)
    case leaseGrant(LeaseGrant)
    case leaseDenied(LeaseDenied)
    case leaseReturn(LeaseReturn)
    case usageReport(UsageReport)
    case reportAck(ReportAck)
    case budgetDefinitions(BudgetDefinitions)
    case leaseAnnounce(LeaseAnnounce)
    case leaseAck(LeaseAck)
    case ping(Ping)
    case pingAck(PingAck)
    case pingReq(PingReq)
    case gossip(Gossip)
    case pushPull(PushPull)

    /// Wire type byte.
    public var typeCode: UInt8 {
        switch self {
        case .leaseRequest: 1
        case .leaseGrant: 2
        case .leaseDenied: 3
        case .leaseReturn: 4
        case .usageReport: 5
        case .reportAck: 6
        case .budgetDefinitions: 7
        case .leaseAnnounce: 8
        case .leaseAck: 9
        case .ping: 10
        case .pingAck: 11
        case .pingReq: 12
        case .gossip: 13
        case .pushPull: 14
        }
    }
}

/// A message and where it goes (a node id: coordinators and sidecars share one namespace).
public struct OutboundMessage: Sendable, Hashable {
    public var to: String
    public var message: SyncMessage
    public init(to: String, _ message: SyncMessage) {
        self.to = to
        self.message = message
    }
}

/// Sidecar -> coordinator: "I need escrow for `key`". `need` is the reservation waiting now
/// (0 for a prefetch ahead of need); `ratePerSecond` is the holder's recent demand.
public struct LeaseRequest: Sendable, Hashable {
    public var key: BudgetKey
    public var holder: NodeIdentity
    public var requestID: UInt64
    public var need: Int64
    public var ratePerSecond: Int64
    /// Also ask for the fail_open_bounded reserve.
    public var wantsReserve: Bool
    /// The holder's own current entries for `key` (piggy-backed returns and spend).
    public var entries: [LedgerEntry]
    /// The coordinator-set term the holder knows (a coordinator behind it stops granting).
    public var term: UInt64
    public init(key: BudgetKey, holder: NodeIdentity, requestID: UInt64, need: Int64, ratePerSecond: Int64,
                wantsReserve: Bool = false, entries: [LedgerEntry] = [], term: UInt64 = 0) {
        self.key = key; self.holder = holder; self.requestID = requestID; self.need = need
        self.ratePerSecond = ratePerSecond; self.wantsReserve = wantsReserve; self.entries = entries; self.term = term
    }
}

/// Coordinator -> sidecar: a lease, i.e. the range (granted - amount, granted] of the holder's
/// cumulative grant counter from `issuer`, spendable for `ttl` nanoseconds from when it was asked.
public struct LeaseGrant: Sendable, Hashable {
    public var key: BudgetKey
    public var holder: NodeIdentity
    public var requestID: UInt64
    public var issuer: NodeIdentity
    public var amount: Int64
    public var granted: Int64
    public var ttl: Int64
    public var isReserve: Bool
    /// The budget is near exhaustion: return surplus, ask per request.
    public var tight: Bool
    /// Unescrowed remainder at the coordinator after this grant.
    public var remaining: Int64
    /// The coordinator-set term the issuer owned the key under (a holder on a later term refuses it).
    public var term: UInt64
    public init(key: BudgetKey, holder: NodeIdentity, requestID: UInt64, issuer: NodeIdentity, amount: Int64, granted: Int64,
                ttl: Int64, isReserve: Bool = false, tight: Bool = false, remaining: Int64 = 0, term: UInt64 = 0) {
        self.key = key; self.holder = holder; self.requestID = requestID; self.issuer = issuer; self.amount = amount
        self.granted = granted; self.ttl = ttl; self.isReserve = isReserve; self.tight = tight; self.remaining = remaining
        self.term = term
    }
}

/// Why a coordinator did not grant.
public enum DenialReason: UInt8, Sendable, Hashable, CaseIterable {
    /// Remaining budget is smaller than `need`.
    case exhausted = 1
    /// The coordinator is rebuilding state after a restart or failover.
    case learning = 2
    /// The coordinator has no such budget.
    case unknownBudget = 3
    /// Another coordinator owns this key.
    case notOwner = 4
    /// Near exhaustion and nothing is needed right now: no prefetch.
    case tight = 5
    /// The holder already holds enough unspent escrow for its demand.
    case enough = 6
}

public struct LeaseDenied: Sendable, Hashable {
    public var key: BudgetKey
    public var holder: NodeIdentity
    public var requestID: UInt64
    public var issuer: NodeIdentity
    public var reason: DenialReason
    public var remaining: Int64
    /// Escrow held by holders and not yet reported spent (some may come back as returns).
    public var reclaimable: Int64
    public var retryAfter: Int64
    public init(key: BudgetKey, holder: NodeIdentity, requestID: UInt64, issuer: NodeIdentity, reason: DenialReason,
                remaining: Int64, reclaimable: Int64 = 0, retryAfter: Int64) {
        self.key = key; self.holder = holder; self.requestID = requestID; self.issuer = issuer; self.reason = reason
        self.remaining = remaining; self.reclaimable = reclaimable; self.retryAfter = retryAfter
    }
}

/// Sidecar -> coordinator: unspent escrow handed back (cumulative `returned` in each entry).
public struct LeaseReturn: Sendable, Hashable {
    public var holder: NodeIdentity
    public var entries: [LedgerEntry]
    public init(holder: NodeIdentity, entries: [LedgerEntry]) { self.holder = holder; self.entries = entries }
}

/// Sidecar -> coordinator, every refresh interval: the sender's own entries and the entries it
/// holds in custody for peers, for keys that coordinator owns. Merged by max: idempotent.
public struct UsageReport: Sendable, Hashable {
    public var sender: NodeIdentity
    public var seq: UInt64
    public var budgetsVersion: UInt64
    public var entries: [LedgerEntry]
    public var custody: [LedgerEntry]
    /// The coordinator-set term the sender knows.
    public var term: UInt64
    public init(sender: NodeIdentity, seq: UInt64, budgetsVersion: UInt64, entries: [LedgerEntry], custody: [LedgerEntry],
                term: UInt64 = 0) {
        self.sender = sender; self.seq = seq; self.budgetsVersion = budgetsVersion; self.entries = entries; self.custody = custody
        self.term = term
    }
}

/// Coordinator -> sidecar: report received; the coordinator's epoch, whether it is learning, its
/// budget definitions version, and the keys in end-game (tight) mode.
public struct ReportAck: Sendable, Hashable {
    public var coordinator: NodeIdentity
    public var seq: UInt64
    public var learning: Bool
    public var budgetsVersion: UInt64
    public var tightKeys: [BudgetKey]
    /// Ledger entries the coordinator asks this sidecar to keep in custody (re-replication, so
    /// knowledge of old grants does not erode as custodians come and go).
    public var custody: [LedgerEntry]
    public init(coordinator: NodeIdentity, seq: UInt64, learning: Bool, budgetsVersion: UInt64, tightKeys: [BudgetKey],
                custody: [LedgerEntry] = []) {
        self.coordinator = coordinator; self.seq = seq; self.learning = learning; self.budgetsVersion = budgetsVersion
        self.tightKeys = tightKeys; self.custody = custody
    }
}

/// Coordinator -> sidecar (and gossip): budget definitions, so a budget change is not a deploy.
public struct BudgetDefinitions: Sendable, Hashable {
    public var coordinator: NodeIdentity
    public var version: UInt64
    public var budgets: [ClusterBudget]
    /// The coordinator set (node ids) and its term as the sender knows them: sidecars adopt a
    /// later term from any coordinator or by gossip, and key ownership follows (see `CoordinatorSet`).
    public var term: UInt64
    public var members: [String]
    public init(coordinator: NodeIdentity, version: UInt64, budgets: [ClusterBudget], term: UInt64 = 0, members: [String] = []) {
        self.coordinator = coordinator; self.version = version; self.budgets = budgets; self.term = term; self.members = members
    }
}

/// Holder -> custodian peer: "remember that I hold this grant". The holder spends a new lease only
/// after k custodians acknowledged it, so the grant outlives a coordinator crashing with the holder.
public struct LeaseAnnounce: Sendable, Hashable {
    public var holder: NodeIdentity
    public var token: UInt64
    public var entry: LedgerEntry
    public init(holder: NodeIdentity, token: UInt64, entry: LedgerEntry) { self.holder = holder; self.token = token; self.entry = entry }
}

public struct LeaseAck: Sendable, Hashable {
    public var from: NodeIdentity
    public var token: UInt64
    public init(from: NodeIdentity, token: UInt64) { self.from = from; self.token = token }
}

/// SWIM member states.
public enum MemberState: UInt8, Sendable, Hashable, CaseIterable {
    case alive = 0, suspect = 1, dead = 2
}

/// A membership fact, ordered by (epoch, incarnation, state severity).
public struct MemberUpdate: Sendable, Hashable {
    public var node: NodeIdentity
    public var incarnation: UInt64
    public var state: MemberState
    public init(node: NodeIdentity, incarnation: UInt64, state: MemberState) {
        self.node = node; self.incarnation = incarnation; self.state = state
    }
}

/// One key's settled spend inside a usage summary.
public struct UsageItem: Sendable, Hashable {
    public var key: BudgetKey
    public var spent: Int64
    public init(key: BudgetKey, spent: Int64) { self.key = key; self.spent = spent }
}

/// A node's usage summary, replaced wholesale by a higher `version` from the same origin.
public struct UsageSummary: Sendable, Hashable {
    public var origin: NodeIdentity
    public var version: UInt64
    public var items: [UsageItem]
    public init(origin: NodeIdentity, version: UInt64, items: [UsageItem]) { self.origin = origin; self.version = version; self.items = items }
}

/// What gossip piggy-backs.
public enum GossipUpdate: Sendable, Hashable {
    case member(MemberUpdate)
    case usage(UsageSummary)
    case budget(BudgetDefinitions)
}

public struct Ping: Sendable, Hashable {
    public var from: NodeIdentity
    public var seq: UInt64
    /// Set when this ping is sent on behalf of another member (SWIM ping-req): forward the ack.
    public var relayTo: String
    public var relaySeq: UInt64
    public var updates: [GossipUpdate]
    public init(from: NodeIdentity, seq: UInt64, relayTo: String = "", relaySeq: UInt64 = 0, updates: [GossipUpdate] = []) {
        self.from = from; self.seq = seq; self.relayTo = relayTo; self.relaySeq = relaySeq; self.updates = updates
    }
}

public struct PingAck: Sendable, Hashable {
    public var from: NodeIdentity
    /// The member whose liveness this ack proves (the pinged one, also when relayed).
    public var target: NodeIdentity
    public var seq: UInt64
    public var updates: [GossipUpdate]
    public init(from: NodeIdentity, target: NodeIdentity, seq: UInt64, updates: [GossipUpdate] = []) {
        self.from = from; self.target = target; self.seq = seq; self.updates = updates
    }
}

public struct PingReq: Sendable, Hashable {
    public var from: NodeIdentity
    public var target: String
    public var seq: UInt64
    public init(from: NodeIdentity, target: String, seq: UInt64) { self.from = from; self.target = target; self.seq = seq }
}

public struct Gossip: Sendable, Hashable {
    public var from: NodeIdentity
    public var updates: [GossipUpdate]
    public init(from: NodeIdentity, updates: [GossipUpdate]) { self.from = from; self.updates = updates }
}

/// One row of an anti-entropy digest: a member's identity, incarnation, state and the version
/// of its usage summary this node holds (a version vector over origins).
public struct DigestEntry: Sendable, Hashable {
    public var node: NodeIdentity
    public var incarnation: UInt64
    public var state: MemberState
    public var usageVersion: UInt64
    public init(node: NodeIdentity, incarnation: UInt64, state: MemberState, usageVersion: UInt64) {
        self.node = node; self.incarnation = incarnation; self.state = state; self.usageVersion = usageVersion
    }
}

/// Push-pull anti-entropy: a request carries the sender's digest; the reply carries the replier's
/// digest and every summary the requester lacks; the requester then pushes what the replier lacks.
public struct PushPull: Sendable, Hashable {
    public var from: NodeIdentity
    public var isReply: Bool
    public var digest: [DigestEntry]
    public var updates: [GossipUpdate]
    public init(from: NodeIdentity, isReply: Bool, digest: [DigestEntry], updates: [GossipUpdate]) {
        self.from = from; self.isReply = isReply; self.digest = digest; self.updates = updates
    }
}

/// A sidecar's side of the sync protocol, as a pure state machine: it admits from its leases only,
/// asks for more ahead of need, returns unused escrow, reports usage to coordinators, keeps grants
/// in custody for peers, and runs SWIM gossip. Inputs: `tryAdmit`, `settle`, `tick`, `receive`;
/// outputs: admissions and messages to send.
public struct SidecarSyncState: Sendable {
    struct KeyState: Sendable {
        var budget: ClusterBudget
        var leases: [Lease] = []
        var watermark: [NodeIdentity: Int64] = [:]
        var returned: [NodeIdentity: Int64] = [:]
        var spent: Int64 = 0
        var durableSpent: Int64 = 0
        var inFlight: Int64 = 0
        var failOpenAdmitted: Int64 = 0
        var pending: (id: UInt64, askedAt: Int64)?
        var recentAsks: [UInt64: Int64] = [:]
        var nextAskAt: Int64 = .min / 2
        var rate: Int64 = 0
        var bucket: Int64 = 0
        var bucketStart: Int64 = 0
        var lastAdmitAt: Int64 = .min / 2
        var tight = false
        var exhausted: (remaining: Int64, reclaimable: Int64, at: Int64)?
        var exhaustedSince: Int64?
        var need: Int64 = 0
        /// The smallest shortfall among waiting admissions: asked for instead of `need` when the
        /// coordinator has said it cannot cover `need`, so a smaller request is not starved by
        /// a larger one waiting on the same node.
        var smallestNeed: Int64 = .max
        /// The largest admission waiting now (its whole amount, not the shortfall `need`): what
        /// end-game surplus returns must keep, or a waiting admission is starved by its own node.
        var waiting: Int64 = 0
        /// When an admission last waited (set `need`/`waiting`); see `SyncConfig.waitForgetAfter`.
        var waitedAt: Int64 = .min / 2
        var returnsDirty = false
        /// Admissions waited for escrow during the current rate interval.
        var starved = false
        /// A reserve was granted in this window (asked for once; a lost one is not re-asked).
        var reserveGranted = false
        var owner: String
        /// Spend ceilings per issuer that may be on disk (the smallest applies), and the largest
        /// reservation seen lately (their headroom). See `SidecarSyncState+Ceilings`.
        var ceiling: [NodeIdentity: Int64] = [:]
        var largestReservation: Int64 = 0
        var previousLargestReservation: Int64 = 0

        init(budget: ClusterBudget, owner: String) { self.budget = budget; self.owner = owner }
    }

    struct Portion: Sendable {
        var token: UInt64
        var issuer: NodeIdentity
        var amount: Int64
    }

    struct Ticket: Sendable {
        var scope: String
        var window: UInt64
        var portions: [Portion]
        var overdraft: Int64
        var reserved: Int64
    }

    struct CoordinatorView: Sendable {
        var epoch: UInt64 = 0
        var learning = false
        var lastHeard: Int64
        var lastReport: Int64 = .min / 2
        var defsEpoch: UInt64 = 0
        var defsVersion: UInt64 = 0
    }

    public let identity: NodeIdentity
    public var config: SyncConfig
    public internal(set) var coordinators: [String]
    /// Coordinator-set term this sidecar knows (see `SidecarSyncState+Ownership`).
    public internal(set) var term: UInt64 = 0
    /// Latest time seen on any input (for views of coordinators learned from a new set).
    var lastNow: Int64 = 0
    public var membership: GossipMembership
    var rng: SeededRandom
    var keys: [String: KeyState] = [:]
    var tickets: [UInt64: Ticket] = [:]
    var views: [String: CoordinatorView] = [:]
    var owners: [String: String] = [:]
    /// Grants held in custody for peers.
    public internal(set) var custody = UsageLedger()
    /// Entries of this node's earlier epochs, recovered from the WAL.
    public internal(set) var priorEntries: [LedgerEntry] = []
    var outbox: [OutboundMessage] = []
    var nextID: UInt64 = 0
    var reportSeq: UInt64 = 0
    /// WAL records handed out by `checkpoint` and not yet confirmed durable: (sequence, scope ->
    /// issuer -> ceiling). Only with `config.walCeilings`.
    var pendingCeilings: [(seq: UInt64, ceilings: [String: [NodeIdentity: Int64]])] = []
    var durableCeilings: [String: [NodeIdentity: Int64]] = [:]
    public internal(set) var walSeq: UInt64 = 0
    /// Window GC (`SidecarSyncState+WindowGC`): closed keys still held, since when; scopes whose
    /// budget its owner removed.
    var closedSince: [BudgetKey: Int64] = [:]
    var removedScopes: Set<String> = []
    var collectedAt: Int64 = .min / 2

    public init(identity: NodeIdentity, config: SyncConfig = SyncConfig(), membershipConfig: MembershipConfig = MembershipConfig(),
                coordinators: [String], peers: [NodeIdentity] = [], seed: UInt64, now: Int64, recovering wal: SidecarWAL? = nil) {
        self.identity = identity
        self.config = config
        self.coordinators = coordinators
        var r = SeededRandom(seed: seed)
        self.membership = GossipMembership(identity: identity, config: membershipConfig, seeds: peers,
                                           rng: SeededRandom(seed: r.next()), now: now)
        self.rng = r
        for c in coordinators { views[c] = CoordinatorView(lastHeard: now) }
        lastNow = now
        if let wal { priorEntries = wal.entries.filter { $0.holder != identity } }
    }

    // MARK: Queries

    public func owner(of scope: String) -> String { keys[scope]?.owner ?? Rendezvous.owner(of: scope, among: coordinators) ?? "" }

    public func budget(_ scope: String) -> ClusterBudget? { keys[scope]?.budget }

    /// Escrow this node may spend now (activated, unexpired, non-reserve leases).
    public func balance(_ scope: String, now: Int64) -> Int64 {
        keys[scope]?.leases.filter { $0.usable(at: now) && !$0.isReserve }.reduce(0) { $0 + $1.available } ?? 0
    }

    public func leases(_ scope: String) -> [Lease] { keys[scope]?.leases ?? [] }
    public func settledSpent(_ scope: String) -> Int64 { keys[scope]?.spent ?? 0 }
    /// Units admitted beyond escrow under fail_open (the exposed overspend of this node).
    public func failOpenAdmitted(_ scope: String) -> Int64 { keys[scope]?.failOpenAdmitted ?? 0 }
    public func isTight(_ scope: String) -> Bool { keys[scope]?.tight ?? false }
    public func coordinatorReachable(_ c: String, now: Int64) -> Bool {
        guard let v = views[c] else { return false }
        return now - v.lastHeard <= config.unreachableAfter
    }

    /// This node's own ledger entries for `scope` (what it reports).
    public func entries(_ scope: String) -> [LedgerEntry] {
        guard let ks = keys[scope] else { return [] }
        return entries(ks)
    }

    func entries(_ ks: KeyState) -> [LedgerEntry] {
        var out: [LedgerEntry] = []
        for (issuer, g) in ks.watermark.sorted(by: { $0.key < $1.key }) {
            out.append(LedgerEntry(key: ks.budget.key, holder: identity, issuer: issuer, granted: g,
                                   returned: ks.returned[issuer] ?? 0, spent: ks.durableSpent))
        }
        if out.isEmpty && ks.durableSpent > 0 {
            out.append(LedgerEntry(key: ks.budget.key, holder: identity, issuer: NodeIdentity(nodeID: "", epoch: 0),
                                   granted: 0, returned: 0, spent: ks.durableSpent))
        }
        return out
    }

    // MARK: Admission

    /// Admits `amount` units on `scope` from held leases, or says why not. Never blocks: `.wait`
    /// means more escrow was asked for (see `takeOutbound`). `waitingSince` is when this
    /// admission first tried (on this clock): end-game patience runs per admission, so one that
    /// arrives after an earlier one waited out the patience is not refused at once.
    public mutating func tryAdmit(_ scope: String, amount: Int64, now: Int64, waitingSince: Int64? = nil) -> SyncAdmission {
        guard var ks = keys[scope] else {
            let o = owner(of: scope)
            return (views[o]?.defsVersion ?? 0) > 0 ? .refused(.unknownBudget) : .wait
        }
        defer { keys[scope] = ks }
        ks.lastAdmitAt = now
        expire(&ks, now: now)
        ks.largestReservation = max(ks.largestReservation, amount)
        let leased = ks.leases.reduce(Int64(0)) { $0 + ($1.usable(at: now) && !$1.isReserve ? $1.available : 0) }
        let usable = spendable(ks, reserves: false, now: now)
        if usable >= amount { return .admitted(take(&ks, amount: amount, reserves: false, overdraft: 0, now: now)) }
        // Escrow held but above the WAL ceiling: the next checkpoint raises it (one group commit).
        if leased >= amount { return .wait }

        let o = owner(of: scope)
        if !coordinatorReachable(o, now: now) {
            switch ks.budget.policy {
            case .failClosed:
                break
            case .failOpenBounded:
                if spendable(ks, reserves: true, now: now) >= amount { return .admitted(take(&ks, amount: amount, reserves: true, overdraft: 0, now: now)) }
            case .failOpen:
                let over = amount - usable
                ks.failOpenAdmitted += over
                return .admitted(take(&ks, amount: usable, reserves: false, overdraft: over, now: now))
            }
            ks.need = max(ks.need, amount - usable)
            ks.smallestNeed = min(ks.smallestNeed, amount - usable)
            ks.waitedAt = now
            maybeAsk(&ks, now: now)
            return .refused(.coordinatorUnreachable)
        }
        if let ex = ks.exhausted, now - ex.at < config.requestTimeout, amount > usable + ex.remaining {
            // Nothing can come back in time, or we have waited long enough for returns.
            let since = max(ks.exhaustedSince ?? now, waitingSince ?? .min)
            if amount > usable + ex.remaining + ex.reclaimable || now - since >= config.endgamePatience {
                return .refused(.exhausted)
            }
        }
        ks.waiting = max(ks.waiting, amount)
        ks.waitedAt = now
        ks.starved = true
        // A grant already here, waiting for its custodians' acknowledgements, covers it: wait for
        // that rather than ask again (every ask would escrow another lease that waits too).
        if usable + activating(ks, now: now) >= amount { return .wait }
        ks.need = max(ks.need, amount - usable)
        ks.smallestNeed = min(ks.smallestNeed, amount - usable)
        maybeAsk(&ks, now: now)
        return .wait
    }

    /// Settles an admission: `actual` (normally <= `reserved`) is spent, the surplus goes back to
    /// its leases (or, if they are closed, is returned to the coordinator).
    public mutating func settle(_ scope: String, ticket: LeaseTicket?, reserved: Int64, actual: Int64, now: Int64) {
        guard let ticket, let t = tickets.removeValue(forKey: ticket.id), var ks = keys[scope], ks.budget.window == t.window else { return }
        defer { keys[scope] = ks }
        var surplus = t.reserved - min(actual, t.reserved)
        ks.inFlight -= t.reserved
        ks.spent += actual
        // Overdraft (fail_open) surplus simply was not spent.
        let od = min(surplus, t.overdraft)
        surplus -= od
        ks.failOpenAdmitted -= od
        for p in t.portions.reversed() where surplus > 0 {
            let give = min(surplus, p.amount)
            surplus -= give
            if let i = ks.leases.firstIndex(where: { $0.token == p.token }), !ks.leases[i].closed, now < ks.leases[i].expiresAt {
                ks.leases[i].available += give
            } else {
                ks.returned[p.issuer, default: 0] += give
                ks.returnsDirty = true
            }
        }
    }

    /// Messages produced outside `tick`/`receive` (lease requests from `tryAdmit`).
    public mutating func takeOutbound() -> [OutboundMessage] {
        defer { outbox.removeAll() }
        return outbox
    }

    /// Marks settled spend durable (call after the WAL group commit) and returns the WAL record.
    @discardableResult
    public mutating func checkpoint() -> SidecarWAL {
        var all = priorEntries
        var proposed: [String: [NodeIdentity: Int64]] = [:]
        for s in keys.keys.sorted() {
            keys[s]!.durableSpent = keys[s]!.spent
            if config.walCeilings {
                var ks = keys[s]!
                let c = proposeCeilings(&ks)
                keys[s] = ks
                proposed[s] = c
                all += closingEntries(ks, ceilings: c)
            } else {
                all += entries(keys[s]!)
            }
        }
        walSeq += 1
        if config.walCeilings {
            pendingCeilings.append((walSeq, proposed))
            boundPendingCeilings()
        }
        return SidecarWAL(identity: identity, entries: all, seq: walSeq)
    }

    mutating func take(_ ks: inout KeyState, amount: Int64, reserves: Bool, overdraft: Int64, now: Int64) -> LeaseTicket {
        var left = amount
        var portions: [Portion] = []
        let order = ks.leases.indices.filter { ks.leases[$0].usable(at: now) && (reserves || !ks.leases[$0].isReserve) }
            .sorted { (ks.leases[$0].isReserve ? 1 : 0, ks.leases[$0].expiresAt) < (ks.leases[$1].isReserve ? 1 : 0, ks.leases[$1].expiresAt) }
        var allowance = ceilingAllowance(ks)
        for i in order where left > 0 {
            let issuer = ks.leases[i].issuer
            let t = min(left, ks.leases[i].available, allowance[issuer] ?? .max)
            if t > 0 {
                if let a = allowance[issuer] { allowance[issuer] = a - t }
                ks.leases[i].available -= t
                left -= t
                portions.append(Portion(token: ks.leases[i].token, issuer: ks.leases[i].issuer, amount: t))
            }
        }
        precondition(left == 0, "take beyond available escrow")
        nextID += 1
        tickets[nextID] = Ticket(scope: ks.budget.scope, window: ks.budget.window, portions: portions, overdraft: overdraft,
                                 reserved: amount + overdraft)
        ks.inFlight += amount + overdraft
        ks.bucket += amount + overdraft
        ks.need = 0
        ks.smallestNeed = .max
        ks.waiting = 0
        ks.exhaustedSince = nil
        return LeaseTicket(id: nextID)
    }

    /// Escrow granted but not spendable yet: unexpired leases waiting for their custodians' acks.
    func activating(_ ks: KeyState, now: Int64) -> Int64 {
        ks.leases.reduce(Int64(0)) { $0 + (!$1.activated && !$1.closed && !$1.isReserve && now < $1.expiresAt ? $1.available : 0) }
    }

    /// Closes expired leases; what they still hold is returned (never spent after ttl).
    mutating func expire(_ ks: inout KeyState, now: Int64) {
        for i in ks.leases.indices where !ks.leases[i].closed && now >= ks.leases[i].expiresAt {
            close(&ks, i)
        }
    }

    func close(_ ks: inout KeyState, _ i: Int) {
        ks.leases[i].closed = true
        if ks.leases[i].available > 0 {
            ks.returned[ks.leases[i].issuer, default: 0] += ks.leases[i].available
            ks.leases[i].available = 0
            ks.returnsDirty = true
        }
    }

    mutating func maybeAsk(_ ks: inout KeyState, now: Int64) {
        guard ks.pending == nil, now >= ks.nextAskAt else { return }
        let o = owner(of: ks.budget.scope)
        guard !o.isEmpty else { return }
        nextID += 1
        let id = nextID
        ks.pending = (id, now)
        if ks.need == 0 { ks.nextAskAt = now + config.requestTimeout / 4 }
        ks.recentAsks[id] = now
        if ks.recentAsks.count > 16, let oldest = ks.recentAsks.min(by: { $0.value < $1.value }) { ks.recentAsks[oldest.key] = nil }
        let wantsReserve = ks.budget.policy == .failOpenBounded && ks.budget.reservePerNode > 0 && !ks.reserveGranted
        var need = ks.need
        if let ex = ks.exhausted, now - ex.at < config.requestTimeout, need > ex.remaining, ks.smallestNeed <= ex.remaining {
            need = ks.smallestNeed
        }
        outbox.append(OutboundMessage(to: o, .leaseRequest(LeaseRequest(key: ks.budget.key, holder: identity, requestID: id,
            need: need, ratePerSecond: ks.rate, wantsReserve: wantsReserve, entries: entries(ks), term: term))))
    }
}

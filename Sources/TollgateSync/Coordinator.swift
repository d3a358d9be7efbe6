/// The budget authority for the keys it owns (rendezvous hashing over the configured coordinator
/// set), as a pure state machine. It holds no disk state: after a restart (a new epoch) it spends
/// one lease expiry period in learning mode, rebuilding the ledger from sidecars' reports (their
/// own entries and the grants they hold in custody for peers), and only then grants again.
///
/// Invariant, for every key: `ledger.totalCharge(key) <= limit` whenever it grants, where a
/// holder's charge is `max(sum over issuers(granted - returned), spent)`. A grant never exceeds
/// `limit - totalCharge`, so every unit a sidecar can spend was escrowed exactly once.
public struct Coordinator: Sendable {
    struct Demand: Sendable {
        var rate: Int64 = 0
        var lastSeen: Int64 = .min / 2
        var reserveGranted = false
    }

    public let identity: NodeIdentity
    public var config: SyncConfig
    /// The configured coordinator set (node ids), for ownership.
    public var coordinators: [String]
    public private(set) var budgets: [String: ClusterBudget] = [:]
    public internal(set) var budgetsVersion: UInt64 = 0
    public internal(set) var ledger = UsageLedger()
    public private(set) var learningUntil: Int64
    var demand: [BudgetKey: [NodeIdentity: Demand]] = [:]
    public private(set) var grantsIssued = 0
    /// Sidecars that reported recently (node id -> last report time): the custodian pool.
    var reporters: [String: (at: Int64, epoch: UInt64)] = [:]
    /// Custodian -> (key, holder) pairs it is asked to keep.
    var assignment: [String: [(BudgetKey, NodeIdentity)]] = [:]
    var assignedAt: Int64 = .min / 2
    /// Keys whose end-game has been announced to every active holder.
    var tightAnnounced: Set<BudgetKey> = []
    public private(set) var firstGrantAt: Int64?
    /// Largest `totalCharge - limit` ever seen right after granting (must stay <= 0).
    public private(set) var worstGrantOvercommit: Int64 = .min
    /// Closed windows in their grace period (see `Coordinator+WindowGC`): key -> when first seen closed.
    var closing: [BudgetKey: Int64] = [:]
    /// Coordinator-set term (see `Coordinator+Ownership`), the highest term seen, and keys
    /// gained under a new set that are still being learned.
    public internal(set) var term: UInt64 = 0
    var fencedTerm: UInt64 = 0
    var keyLearningUntil: [String: Int64] = [:]
    var collectedAt: Int64 = .min / 2

    /// A coordinator starting at `now`. `learning` should be true whenever it may have run
    /// before (it cannot know, so production always learns; a brand-new cluster may skip it).
    public init(identity: NodeIdentity, config: SyncConfig = SyncConfig(), coordinators: [String],
                budgets: [ClusterBudget] = [], now: Int64, learning: Bool = true, term: UInt64 = 0) {
        self.identity = identity
        self.config = config
        self.coordinators = coordinators
        self.term = term
        self.fencedTerm = term
        self.learningUntil = learning ? now + config.coordinatorExpiry : now
        for b in budgets { setBudget(b) }
    }

    public func isLearning(_ now: Int64) -> Bool { now < learningUntil }

    public func owns(_ scope: String) -> Bool {
        ownsCache[scope] ?? (Rendezvous.owner(of: scope, among: coordinators) == identity.nodeID)
    }
    var ownsCache: [String: Bool] = [:]

    /// Admin API: create or change a budget. Bumps the definitions version; sidecars pick it up
    /// with their next report (and spread it by gossip).
    public mutating func setBudget(_ b: ClusterBudget) {
        budgetsVersion += 1
        var nb = b
        nb.version = budgetsVersion
        if let old = budgets[b.scope], old.window != b.window { noteClosed(old.key) }
        budgets[b.scope] = nb
        ownsCache[b.scope] = Rendezvous.owner(of: b.scope, among: coordinators) == identity.nodeID
    }

    public mutating func removeBudget(scope: String) {
        if let old = budgets.removeValue(forKey: scope) {
            budgetsVersion += 1
            noteClosed(old.key)
            ownsCache[scope] = nil
        }
    }

    public var definitions: BudgetDefinitions {
        BudgetDefinitions(coordinator: identity, version: budgetsVersion, budgets: budgets.values.sorted { $0.scope < $1.scope },
                          term: term, members: coordinators)
    }

    public func remaining(_ key: BudgetKey) -> Int64 {
        guard let b = budgets[key.scope], b.window == key.window else { return 0 }
        return b.limit - ledger.totalCharge(key)
    }

    public func knownSpent(_ key: BudgetKey) -> Int64 { ledger.totalSpent(key) }

    /// Holders sharing the remainder: those that asked recently, but at least the sidecars that
    /// report to us (so the first asker after a start does not get half the budget).
    func activeHolders(_ key: BudgetKey, now: Int64) -> Int64 {
        var n: Int64 = 0
        for d in (demand[key] ?? [:]).values where now - d.lastSeen <= config.activeWindow { n += 1 }
        var r: Int64 = 0
        for v in reporters.values where now - v.at <= config.activeWindow { r += 1 }
        return max(1, n, r)
    }

    /// End-game: fair shares have dropped below the minimum lease.
    public func isTight(_ key: BudgetKey, now: Int64) -> Bool {
        remaining(key) < 2 * activeHolders(key, now: now) * config.minLease
    }

    public mutating func tick(now: Int64) -> [OutboundMessage] {
        collectGarbage(now: now)
        return []
    }

    public mutating func receive(_ message: SyncMessage, now: Int64) -> [OutboundMessage] {
        collectGarbage(now: now)
        switch message {
        case .leaseRequest(let r): return handle(r, now: now)
        case .leaseReturn(let r):
            mergeEntries(r.entries)
            return []
        case .usageReport(let r):
            noteTerm(r.term)
            mergeEntries(r.entries)
            mergeEntries(r.custody)
            reporters[r.sender.nodeID] = (now, r.sender.epoch)
            if now - assignedAt >= config.refreshInterval { reassignCustody(now: now) }
            var out: [OutboundMessage] = []
            let tight = budgets.values.filter { owns($0.scope) && isTight($0.key, now: now) }.map(\.key).sorted()
            var held: [LedgerEntry] = []
            for (k, h) in assignment[r.sender.nodeID] ?? [] { held += ledger.entries(k, holder: h) }
            // The sender's own grants as this coordinator counts them: a grant whose answer was
            // lost shows up as a gap above the sender's watermark, which it then writes off.
            for b in budgets.values.sorted(by: { $0.scope < $1.scope }) where owns(b.scope) {
                held += ledger.entries(b.key, holder: r.sender).filter { $0.issuer == identity }
            }
            out.append(OutboundMessage(to: r.sender.nodeID, .reportAck(ReportAck(coordinator: identity, seq: r.seq,
                learning: isLearning(now), budgetsVersion: budgetsVersion, tightKeys: tight, custody: held))))
            if r.budgetsVersion != budgetsVersion {
                out.append(OutboundMessage(to: r.sender.nodeID, .budgetDefinitions(definitions)))
            }
            return out
        default:
            return []
        }
    }

    /// Spreads every holder's entries over k + 1 recent reporters other than the holder itself (by
    /// hash of the holder, around a sorted ring), so the ledger survives this coordinator failing
    /// together with any k sidecars, however long ago a grant was made.
    mutating func reassignCustody(now: Int64) {
        assignedAt = now
        reporters = reporters.filter { now - $0.value.at <= config.activeWindow }
        let ring = reporters.keys.sorted()
        assignment = [:]
        guard !ring.isEmpty else { return }
        for b in budgets.values.sorted(by: { $0.scope < $1.scope }) where owns(b.scope) {
            for h in ledger.holders(b.key) {
                var start = Int(truncatingIfNeeded: Rendezvous.weight(h.description, b.scope) % UInt64(ring.count))
                var placed = 0, tries = 0
                while placed < min(config.custodians + 1, ring.count) && tries < ring.count {
                    let c = ring[start]
                    start = (start + 1) % ring.count
                    tries += 1
                    if c == h.nodeID && reporters[c]?.epoch == h.epoch { continue }
                    assignment[c, default: []].append((b.key, h))
                    placed += 1
                }
            }
        }
    }

    mutating func mergeEntries(_ es: [LedgerEntry]) {
        for e in es where accepts(e.key) { ledger.merge(e) }
    }

    mutating func handle(_ r: LeaseRequest, now: Int64) -> [OutboundMessage] {
        mergeEntries(r.entries.filter { $0.holder == r.holder && $0.key == r.key })
        func deny(_ reason: DenialReason, retry: Int64) -> [OutboundMessage] {
            [OutboundMessage(to: r.holder.nodeID, .leaseDenied(LeaseDenied(key: r.key, holder: r.holder, requestID: r.requestID,
                issuer: identity, reason: reason, remaining: max(0, remaining(r.key)),
                reclaimable: max(0, ledger.totalCharge(r.key) - ledger.totalSpent(r.key)), retryAfter: retry)))]
        }
        guard let b = budgets[r.key.scope], b.window == r.key.window else { return deny(.unknownBudget, retry: config.refreshInterval) }
        noteTerm(r.term)
        guard owns(b.scope), !isFenced else { return deny(.notOwner, retry: config.refreshInterval / 4) }
        if isLearning(now) { return deny(.learning, retry: learningUntil - now) }
        if isLearningKey(b.scope, now: now) { return deny(.learning, retry: keyLearningUntil[b.scope]! - now) }

        var d = demand[r.key, default: [:]][r.holder] ?? Demand()
        d.rate = r.ratePerSecond
        d.lastSeen = now
        demand[r.key, default: [:]][r.holder] = d

        var out: [OutboundMessage] = []
        let active = activeHolders(r.key, now: now)
        var rem = remaining(r.key)
        let tight = isTight(r.key, now: now)

        // The fail_open_bounded reserve: escrowed once per holder, outside end-game.
        if r.wantsReserve && b.policy == .failOpenBounded && b.reservePerNode > 0 && !d.reserveGranted && !tight {
            let amount = min(b.reservePerNode, rem / (2 * active))
            if amount > 0 {
                out.append(issue(r, amount: amount, reserve: true, tight: false, now: now))
                demand[r.key]![r.holder]!.reserveGranted = true
                rem = remaining(r.key)
            }
        }

        var amount: Int64
        if tight {
            guard r.need > 0 else { return out + deny(.tight, retry: config.refreshInterval) }
            amount = r.need
        } else {
            // ~2 x rate x refresh interval, clamped by a fair share of what remains.
            let sized = min(max(2 * r.ratePerSecond * (config.refreshInterval / 1_000_000) / 1_000, config.minLease), config.maxLease)
            // Unspent escrow the holder already has (leases plus in-flight reservations).
            let held = ledger.charge(key: r.key, holder: r.holder) - ledger.spent(key: r.key, holder: r.holder)
            if r.need == 0 && held >= 2 * sized { return out + deny(.enough, retry: config.refreshInterval / 2) }
            amount = max(min(sized, rem / (2 * active)), r.need)
        }
        if amount > rem {
            if r.need > rem || rem <= 0 { return out + deny(.exhausted, retry: config.refreshInterval) }
            amount = rem
        }
        guard amount > 0 else { return out + deny(.exhausted, retry: config.refreshInterval) }
        out.append(issue(r, amount: amount, reserve: false, tight: tight, now: now))
        if isTight(r.key, now: now) && !tightAnnounced.contains(r.key) {
            // Entering end-game: tell every active holder now, so surplus comes back at once.
            tightAnnounced.insert(r.key)
            for (h, d) in (demand[r.key] ?? [:]).sorted(by: { $0.key < $1.key }) where now - d.lastSeen <= config.activeWindow && h != r.holder {
                out.append(OutboundMessage(to: h.nodeID, .reportAck(ReportAck(coordinator: identity, seq: 0, learning: false,
                    budgetsVersion: budgetsVersion, tightKeys: [r.key]))))
            }
        }
        return out
    }

    mutating func issue(_ r: LeaseRequest, amount: Int64, reserve: Bool, tight: Bool, now: Int64) -> OutboundMessage {
        let granted = ledger.grant(key: r.key, holder: r.holder, issuer: identity, amount: amount)
        grantsIssued += 1
        if firstGrantAt == nil { firstGrantAt = now }
        let limit = budgets[r.key.scope]?.limit ?? 0
        worstGrantOvercommit = max(worstGrantOvercommit, ledger.totalCharge(r.key) - limit)
        let ttl = reserve ? Int64.max / 4 : config.leaseTTL
        return OutboundMessage(to: r.holder.nodeID, .leaseGrant(LeaseGrant(key: r.key, holder: r.holder, requestID: r.requestID,
            issuer: identity, amount: amount, granted: granted, ttl: ttl, isReserve: reserve, tight: tight,
            remaining: remaining(r.key), term: term)))
    }
}

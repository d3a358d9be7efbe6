extension SidecarSyncState {
    /// Handles one incoming message; returns messages to send.
    public mutating func receive(_ message: SyncMessage, now: Int64) -> [OutboundMessage] {
        lastNow = max(lastNow, now)
        switch message {
        case .leaseGrant(let g): handleGrant(g, now: now)
        case .leaseDenied(let d): handleDenied(d, now: now)
        case .reportAck(let a): handleAck(a, now: now)
        case .budgetDefinitions(let d):
            heard(d.coordinator, now: now)
            apply(d)
            membership.publish(d)
        case .leaseAnnounce(let a):
            // Custody: remember the grant, then acknowledge so the holder may spend it.
            if a.entry.holder == a.holder {
                custody.merge(a.entry)
                outbox.append(OutboundMessage(to: a.holder.nodeID, .leaseAck(LeaseAck(from: identity, token: a.token))))
            }
        case .leaseAck(let a):
            for (scope, var ks) in keys {
                if let i = ks.leases.firstIndex(where: { $0.token == a.token }) {
                    ks.leases[i].acks.insert(a.from.nodeID)
                    if ks.leases[i].acks.count >= ks.leases[i].neededAcks && !ks.leases[i].closed {
                        ks.leases[i].activated = true
                    }
                    keys[scope] = ks
                    break
                }
            }
        case .ping, .pingAck, .pingReq, .gossip, .pushPull:
            outbox += membership.receive(message, now: now)
            for (_, d) in membership.budgets.sorted(by: { $0.key < $1.key }) { apply(d) }
        case .leaseRequest, .leaseReturn, .usageReport:
            break
        }
        return takeOutbound()
    }

    mutating func heard(_ coordinator: NodeIdentity, now: Int64) {
        guard var v = views[coordinator.nodeID] else { return }
        v.lastHeard = max(v.lastHeard, now)
        if coordinator.epoch > v.epoch && v.epoch > 0 {
            // A restarted coordinator is learning: report (own entries and custody) right away.
            v.lastReport = .min / 2
        }
        v.epoch = max(v.epoch, coordinator.epoch)
        views[coordinator.nodeID] = v
    }

    /// Applies budget definitions from their owner (directly or by gossip), newest first.
    mutating func apply(_ d: BudgetDefinitions) {
        adoptSet(from: d)
        guard var v = views[d.coordinator.nodeID] else { return }
        guard (d.coordinator.epoch, d.version) > (v.defsEpoch, v.defsVersion) else { return }
        v.defsEpoch = d.coordinator.epoch
        v.defsVersion = d.version
        views[d.coordinator.nodeID] = v
        // A budget its owner no longer defines is gone (its custody and WAL entries are collected later).
        let defined = Set(d.budgets.map(\.scope))
        for scope in keys.keys.sorted() where keys[scope]!.owner == d.coordinator.nodeID && !defined.contains(scope) {
            keys[scope] = nil
            removedScopes.insert(scope)
        }
        for b in d.budgets where owner(of: b.scope) == d.coordinator.nodeID {
            removedScopes.remove(b.scope)
            if let ks = keys[b.scope], ks.budget.window == b.window {
                keys[b.scope]!.budget = b
            } else {
                keys[b.scope] = KeyState(budget: b, owner: d.coordinator.nodeID)   // new budget or a new window
            }
        }
    }

    mutating func handleGrant(_ g: LeaseGrant, now: Int64) {
        heard(g.issuer, now: now)
        guard g.holder == identity, var ks = keys[g.key.scope], ks.budget.window == g.key.window else { return }
        defer { keys[g.key.scope] = ks }
        let w = ks.watermark[g.issuer] ?? 0
        let start = g.granted - g.amount
        // Ranges of the cumulative grant counter arrive at most once: a range at or below the
        // watermark is a duplicate or was written off as lost. A gap below this range is lost
        // (or late) grants: return it now, and ignore those grants if they ever arrive.
        guard start >= w else { return }
        if start > w {
            ks.returned[g.issuer, default: 0] += start - w
            ks.returnsDirty = true
        }
        ks.watermark[g.issuer] = g.granted
        if g.isReserve { ks.reserveGranted = true }
        if ks.pending?.id == g.requestID && !g.isReserve { ks.pending = nil }
        ks.tight = g.tight
        ks.exhausted = nil
        ks.exhaustedSince = nil
        guard !isFenced(g), let askedAt = ks.recentAsks[g.requestID],
              g.isReserve || now < askedAt + g.ttl - config.returnBeforeExpiry else {
            // From a superseded owner, for an unknown request or dead on arrival: hand it straight back.
            ks.returned[g.issuer, default: 0] += g.amount
            ks.returnsDirty = true
            return
        }
        nextID += 1
        // Custodians come from members believed alive: a suspect cannot be announced to, and
        // waiting for its acknowledgement held every lease unspendable until it was declared dead.
        let k = min(config.custodians, membership.aliveCount)
        var lease = Lease(issuer: g.issuer, rangeEnd: g.granted, amount: g.amount, available: g.amount, askedAt: askedAt,
                          expiresAt: g.isReserve ? Int64.max / 2 : askedAt + g.ttl, isReserve: g.isReserve,
                          activated: k == 0, closed: false, token: nextID, acks: [], neededAcks: k, lastAnnounceAt: now)
        if k > 0 { announce(&lease, ks: ks, count: k) }
        ks.leases.append(lease)
    }

    mutating func announce(_ lease: inout Lease, ks: KeyState, count: Int) {
        let entry = LedgerEntry(key: ks.budget.key, holder: identity, issuer: lease.issuer, granted: ks.watermark[lease.issuer] ?? lease.rangeEnd,
                                returned: ks.returned[lease.issuer] ?? 0, spent: ks.durableSpent)
        for p in membership.randomMembers(count, excluding: lease.acks) {
            outbox.append(OutboundMessage(to: p, .leaseAnnounce(LeaseAnnounce(holder: identity, token: lease.token, entry: entry))))
        }
    }

    mutating func handleDenied(_ d: LeaseDenied, now: Int64) {
        heard(d.issuer, now: now)
        guard d.holder == identity, var ks = keys[d.key.scope], ks.budget.window == d.key.window else { return }
        defer { keys[d.key.scope] = ks }
        if ks.pending?.id == d.requestID { ks.pending = nil }
        switch d.reason {
        case .exhausted:
            ks.exhausted = (d.remaining, d.reclaimable, now)
            if ks.exhaustedSince == nil { ks.exhaustedSince = now }
            ks.tight = true
            ks.nextAskAt = now + config.refreshInterval / 10
        case .tight:
            ks.tight = true
            ks.nextAskAt = now + min(d.retryAfter, config.refreshInterval)
        case .learning:
            ks.nextAskAt = now + min(d.retryAfter, config.refreshInterval / 4)
        case .enough:
            ks.nextAskAt = now + min(d.retryAfter, config.refreshInterval / 2)
        case .unknownBudget, .notOwner:
            ks.nextAskAt = now + min(d.retryAfter, config.refreshInterval)
        }
    }

    mutating func handleAck(_ a: ReportAck, now: Int64) {
        heard(a.coordinator, now: now)
        guard var v = views[a.coordinator.nodeID] else { return }
        v.learning = a.learning
        views[a.coordinator.nodeID] = v
        for e in a.custody where e.holder != identity { custody.merge(e) }
        for e in a.custody where e.holder == identity && e.issuer == a.coordinator { writeOffLostGrants(e) }
        let tight = Set(a.tightKeys)
        for (scope, var ks) in keys where ks.owner == a.coordinator.nodeID {
            let t = tight.contains(ks.budget.key)
            if t != ks.tight {
                ks.tight = t
                if t { returnSurplus(&ks, now: now) }
                keys[scope] = ks
            }
        }
    }

    /// The issuer counts more granted to this node than it ever received, and no ask is open: the
    /// answers were lost (or are so late that an ask timed out). Return the gap, exactly as a gap
    /// below a later grant is returned; should one of those grants still arrive, its range is
    /// below the watermark and it is ignored. Without this, a lost last grant of the end-game
    /// (no later grant follows) would stay escrowed for good.
    mutating func writeOffLostGrants(_ e: LedgerEntry) {
        guard var ks = keys[e.key.scope], ks.budget.window == e.key.window, ks.pending == nil else { return }
        let w = ks.watermark[e.issuer] ?? 0
        guard e.granted > w else { return }
        ks.returned[e.issuer, default: 0] += e.granted - w
        ks.watermark[e.issuer] = e.granted
        ks.returnsDirty = true
        keys[e.key.scope] = ks
    }

    /// End-game: hand back everything beyond what waiting admissions need, so the last units are
    /// not stranded in idle leases while another node is refused.
    func returnSurplus(_ ks: inout KeyState, now: Int64) {
        // The fail_open_bounded reserve too: near exhaustion, with the coordinator answering,
        // idle reserves would refuse requests the budget can still serve (a partition now
        // falls back to fail_closed for the last units, which is still 0 overspend).
        for i in ks.leases.indices where !ks.leases[i].closed && ks.leases[i].isReserve && ks.leases[i].available > 0 {
            ks.returned[ks.leases[i].issuer, default: 0] += ks.leases[i].available
            ks.leases[i].available = 0
            ks.returnsDirty = true
        }
        var keep = max(ks.need, ks.waiting)
        if let ex = ks.exhausted, now - ex.at < config.requestTimeout, ks.need > ex.remaining {
            // This node's waiting admissions cannot complete from what the coordinator has left:
            // holding escrow for them strands units a peer's request could use (every node
            // holding a lease too small for its own request, none served). Yield it; the
            // admission asks for its whole shortfall again and gets it once enough comes back.
            keep = 0
        }
        for i in ks.leases.indices.sorted(by: { ks.leases[$0].expiresAt > ks.leases[$1].expiresAt })
        where !ks.leases[i].closed && !ks.leases[i].isReserve && ks.leases[i].activated {
            let k = min(keep, ks.leases[i].available)
            keep -= k
            let give = ks.leases[i].available - k
            if give > 0 {
                ks.leases[i].available -= give
                ks.returned[ks.leases[i].issuer, default: 0] += give
                ks.returnsDirty = true
            }
        }
    }
}

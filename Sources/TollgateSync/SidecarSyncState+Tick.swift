extension SidecarSyncState {
    /// Timer input: lease upkeep (activation, expiry, returns, prefetch), reports to coordinators
    /// and gossip. Call it often (every few tens of milliseconds).
    public mutating func tick(now: Int64) -> [OutboundMessage] {
        lastNow = max(lastNow, now)
        outbox += membership.tick(now: now)
        for (_, d) in membership.budgets.sorted(by: { $0.key < $1.key }) { apply(d) }
        var returns: [String: [LedgerEntry]] = [:]
        var items: [UsageItem] = []
        for scope in keys.keys.sorted() {
            var ks = keys[scope]!
            upkeep(&ks, now: now)
            if ks.returnsDirty {
                ks.returnsDirty = false
                returns[ks.owner, default: []] += entries(ks)
            }
            if ks.spent > 0 { items.append(UsageItem(key: ks.budget.key, spent: ks.durableSpent)) }
            keys[scope] = ks
        }
        for (o, es) in returns.sorted(by: { $0.key < $1.key }) where !o.isEmpty {
            outbox.append(OutboundMessage(to: o, .leaseReturn(LeaseReturn(holder: identity, entries: es))))
        }
        membership.setLocalUsage(items)
        collectGarbage(now: now)
        for c in coordinators {
            guard var v = views[c], now - v.lastReport >= config.refreshInterval else { continue }
            v.lastReport = now
            views[c] = v
            reportSeq += 1
            var own: [LedgerEntry] = []
            for scope in keys.keys.sorted() where keys[scope]!.owner == c { own += entries(keys[scope]!) }
            own += priorEntries.filter { owner(of: $0.key.scope) == c }
            var held: [LedgerEntry] = []
            for k in custody.budgetKeys where owner(of: k.scope) == c { held += custody.entries(k) }
            let known: UInt64 = v.defsEpoch == v.epoch ? v.defsVersion : 0
            outbox.append(OutboundMessage(to: c, .usageReport(UsageReport(sender: identity, seq: reportSeq, budgetsVersion: known,
                                                                           entries: own, custody: held, term: term))))
        }
        return takeOutbound()
    }

    mutating func upkeep(_ ks: inout KeyState, now: Int64) {
        expire(&ks, now: now)
        if now - ks.waitedAt > config.waitForgetAfter {
            // Every admission that waited has been admitted, refused or abandoned by its caller.
            ks.need = 0
            ks.smallestNeed = .max
            ks.waiting = 0
        }
        for i in ks.leases.indices where !ks.leases[i].closed {
            if !ks.leases[i].activated {
                if now >= ks.leases[i].askedAt + config.activationWindow {
                    close(&ks, i)   // never acknowledged in time: returned unspent
                } else if now - ks.leases[i].lastAnnounceAt >= config.announceRetry {
                    ks.leases[i].lastAnnounceAt = now
                    var l = ks.leases[i]
                    announce(&l, ks: ks, count: l.neededAcks - l.acks.count)
                }
            } else if !ks.leases[i].isReserve && now >= ks.leases[i].expiresAt - config.returnBeforeExpiry {
                close(&ks, i)
            }
        }
        if now - ks.lastAdmitAt >= config.idleReturnAfter {
            for i in ks.leases.indices where !ks.leases[i].closed && !ks.leases[i].isReserve && ks.leases[i].activated { close(&ks, i) }
        }
        if ks.tight { returnSurplus(&ks, now: now) }
        ks.leases.removeAll { $0.closed }
        // Demand: average of the last interval's admissions and the previous estimate.
        if now - ks.bucketStart >= config.refreshInterval {
            let inst = ks.bucket * 1_000 / max(1, (now - ks.bucketStart) / 1_000_000)
            // While admissions waited, admitted volume understates demand: do not decay.
            ks.rate = ks.starved ? max(ks.rate, inst) : (ks.rate + inst) / 2
            ks.starved = false
            ks.previousLargestReservation = ks.largestReservation
            ks.largestReservation = 0
            ks.bucket = 0
            ks.bucketStart = now
        }
        if let p = ks.pending, now - p.askedAt >= config.requestTimeout { ks.pending = nil }
        // Prefetch: ask before the balance runs out, so admission does not wait in steady state.
        let balance = ks.leases.reduce(Int64(0)) { $0 + ($1.isReserve ? 0 : $1.available) }
        let lowWater = ks.rate * ((config.refreshInterval + config.prefetchLead) / 1_000_000) / 1_000
        let active = now - ks.lastAdmitAt < config.idleReturnAfter
        let wantsReserve = ks.budget.policy == .failOpenBounded && ks.budget.reservePerNode > 0
            && !ks.reserveGranted && active && !ks.tight
        // A waiting admission is covered by grants still waiting for custodians: asking again
        // would only escrow more leases that wait too.
        if ks.need > activating(ks, now: now) || wantsReserve || (!ks.tight && active && ks.rate > 0 && balance < lowWater) {
            maybeAsk(&ks, now: now)
        }
    }
}

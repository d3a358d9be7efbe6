/// Spend ceilings: how a restarted sidecar closes its former epoch's leases for less than their
/// full amount without trusting a WAL that lags.
///
/// The WAL is written every group commit, so a crash loses whatever happened after the last one;
/// closing the dead epoch's leases at the spend the WAL recorded could under-charge by up to a
/// commit interval of admissions. So each checkpoint records, per issuer, a *ceiling* on the
/// epoch's consumption from that issuer's leases (`granted - returned - open available`, i.e.
/// settled actuals plus reservations in flight): what it consumed plus a small headroom. The
/// sidecar never admits beyond the smallest ceiling that may be on disk (written or being
/// written), so whatever the WAL on disk is, the dead epoch consumed at most its ceilings, and
/// the WAL's entries already say `returned = granted - ceiling`: the leases are closed for no
/// less than the WAL proves. Admissions above the ceiling wait for the next commit (the headroom
/// — the largest recent reservation plus two commit intervals of demand — makes that rare).
extension SidecarSyncState {
    /// Consumption from `issuer`'s leases: granted, minus returned, minus what open leases hold.
    func consumption(_ ks: KeyState, issuer: NodeIdentity) -> Int64 {
        let open = ks.leases.reduce(Int64(0)) { $0 + ($1.issuer == issuer && !$1.closed ? $1.available : 0) }
        return (ks.watermark[issuer] ?? 0) - (ks.returned[issuer] ?? 0) - open
    }

    /// Units each issuer's leases may still give before its ceiling. An issuer without a ceiling
    /// on disk gives nothing yet: the WAL does not name it, so a restart could not close it.
    func ceilingAllowance(_ ks: KeyState) -> [NodeIdentity: Int64] {
        guard config.walCeilings else { return [:] }
        var out: [NodeIdentity: Int64] = [:]
        for l in ks.leases { out[l.issuer] = 0 }
        for (issuer, c) in ks.ceiling { out[issuer] = max(0, c - consumption(ks, issuer: issuer)) }
        return out
    }

    /// What admission may take now from usable leases (reserves too if asked), within ceilings.
    func spendable(_ ks: KeyState, reserves: Bool, now: Int64) -> Int64 {
        var per: [NodeIdentity: Int64] = [:]
        for l in ks.leases where l.usable(at: now) && (reserves || !l.isReserve) { per[l.issuer, default: 0] += l.available }
        let allowance = ceilingAllowance(ks)
        return per.reduce(Int64(0)) { $0 + min($1.value, allowance[$1.key] ?? .max) }
    }

    /// The ceilings this checkpoint writes; they apply at once as an upper limit (the record may
    /// reach the disk before the caller says so) and replace older ones once confirmed.
    func proposeCeilings(_ ks: inout KeyState) -> [NodeIdentity: Int64] {
        let demand = ks.rate * 2 * (config.walCommitInterval / 1_000_000) / 1_000
        let headroom = max(2 * max(ks.largestReservation, ks.previousLargestReservation) + 2 * demand, config.minLease / 2)
        var out: [NodeIdentity: Int64] = [:]
        for issuer in ks.watermark.keys {
            let open = ks.leases.reduce(Int64(0)) { $0 + ($1.issuer == issuer && !$1.closed ? $1.available : 0) }
            let c = consumption(ks, issuer: issuer) + min(open, headroom)
            out[issuer] = c
            ks.ceiling[issuer] = min(ks.ceiling[issuer] ?? .max, c)
        }
        return out
    }

    /// The entries a restarted sidecar reports for this epoch if it dies with this record on
    /// disk: every lease closed (`returned` = `SidecarWAL.closedReturned`, so no escrow is left
    /// under any issuer, grants still in flight to the dead epoch included) and `spent` raised to
    /// the sum of the ceilings, an upper bound on everything the epoch consumed (its in-flight
    /// reservations count in full). The charge, `max(escrow, spent)`, is then that bound.
    func closingEntries(_ ks: KeyState, ceilings: [NodeIdentity: Int64]) -> [LedgerEntry] {
        let bound = max(ks.durableSpent, ceilings.values.reduce(0, +) + ks.failOpenAdmitted)
        return entries(ks).map { e in
            var e = e
            if e.granted > 0 { e.returned = SidecarWAL.closedReturned }
            e.spent = bound
            return e
        }
    }

    /// Unconfirmed records kept at most (a caller whose writes keep failing checkpoints on).
    static var maxPendingCeilings: Int { 64 }

    /// Keeps the unconfirmed records bounded: the two oldest merge into one under the later
    /// sequence with the smaller ceiling per issuer. Safe both ways: confirming the later record
    /// applies ceilings no higher than its own, and the earlier one, no longer listed, is simply
    /// never confirmed (a later confirmation supersedes it).
    mutating func boundPendingCeilings() {
        while pendingCeilings.count > Self.maxPendingCeilings {
            let a = pendingCeilings.removeFirst()
            var b = pendingCeilings[0]
            for (scope, per) in a.ceilings {
                for (issuer, v) in per { b.ceilings[scope, default: [:]][issuer] = min(b.ceilings[scope]?[issuer] ?? .max, v) }
            }
            pendingCeilings[0] = b
        }
    }

    /// The WAL record `seq` (from `checkpoint`) is durable: its ceilings replace older ones; the
    /// ceilings of later records, possibly on disk too, still cap admission.
    public mutating func walCommitted(_ seq: UInt64) {
        guard config.walCeilings, let at = pendingCeilings.firstIndex(where: { $0.seq == seq }) else { return }
        durableCeilings = pendingCeilings[at].ceilings
        pendingCeilings.removeFirst(at + 1)
        for scope in keys.keys.sorted() {
            var c = durableCeilings[scope] ?? [:]
            for p in pendingCeilings { for (issuer, v) in p.ceilings[scope] ?? [:] { c[issuer] = min(c[issuer] ?? .max, v) } }
            keys[scope]!.ceiling = c
        }
    }
}

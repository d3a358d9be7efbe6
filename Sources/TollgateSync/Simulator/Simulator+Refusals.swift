/// Why the first refusal that the budget could still have served came early: the simulator
/// splits the gap between the limit and ground-truth spend at that moment into where the
/// missing units were, and names the largest part.
enum RefusalCause: String, CaseIterable, Sendable {
    /// Escrow charged to crashed (dead) holder epochs beyond what they really spent.
    case crashCharged = "crash_charged"
    /// The same, for holders that lost their disk (WAL) in the crash: nothing can close those.
    case crashChargedDiskLost = "crash_charged_disk_lost"
    /// The key's owner was down or still learning after a restart.
    case coordinatorLearning = "coordinator_learning"
    /// Live peers held the units in leases (lease sizing / fair share starvation).
    case escrowElsewhere = "escrow_elsewhere"
    /// Units sat in fail_open_bounded reserves.
    case reserveHeld = "reserve_held"
    /// Some node held a grant its custodians had not acknowledged yet.
    case pendingActivation = "pending_activation"
    /// The coordinator still had the units unescrowed (a grant was asked for or in flight).
    case coordinatorHeld = "coordinator_held"
    /// Refused under fail_closed while cut off from the coordinator (the policy working).
    case partitionFailClosed = "partition_fail_closed"
}

extension Simulator {
    /// Ground-truth committed units (admitted reservations, settled to actuals) per holder identity.
    mutating func noteCommitted(_ k: Int, _ node: Int, _ epoch: UInt64, _ delta: Int64) {
        committedBy[k][NodeIdentity(nodeID: ids[node], epoch: epoch), default: 0] += delta
    }

    func liveIdentity(_ i: Int) -> NodeIdentity? {
        down[i] || sidecars[i] == nil ? nil : NodeIdentity(nodeID: ids[i], epoch: epochs[i])
    }

    /// Splits `limit - committed` on key `k` at a refusal by node `node` and names the largest part.
    func classifyRefusal(key k: Int, node: Int, why: String) -> (RefusalCause, [RefusalCause: Int64]) {
        if why == "coordinatorUnreachable" { return (.partitionFailClosed, [:]) }
        var parts: [RefusalCause: Int64] = [:]
        let key = budgets[k].key
        let c = keyOwner[k]
        let scope = keys[k].scope
        for i in 0..<n {
            guard liveIdentity(i) != nil, let s = sidecars[i] else { continue }
            for l in s.leases(scope) where !l.closed {
                if l.isReserve { parts[.reserveHeld, default: 0] += l.available }
                else if !l.activated { parts[.pendingActivation, default: 0] += l.available }
                else { parts[.escrowElsewhere, default: 0] += l.available }
            }
        }
        if let co = coords[c], !co.isLearning(local(n + c)) {
            for h in co.ledger.holders(key) {
                guard let i = index[h.nodeID], liveIdentity(i) != h else { continue }
                parts[diskLostIdentities.contains(h) ? .crashChargedDiskLost : .crashCharged, default: 0] += max(0, co.ledger.charge(key: key, holder: h) - (committedBy[k][h] ?? 0))
            }
            parts[.coordinatorHeld] = max(0, co.remaining(key))
        } else {
            // Owner down or learning: whatever is not in live leases waits for it.
            let live = parts.values.reduce(0, +)
            parts[.coordinatorLearning] = max(0, keys[k].limit - keys[k].committed - live)
        }
        let top = parts.max { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }?.key ?? .coordinatorHeld
        return (top, parts)
    }

    /// Records the first refusal of each kind on key `k` (see `KeyTruth`).
    mutating func noteRefusal(_ r: Int, counts: Bool, why: String) {
        let req = requests[r]
        let k = req.key
        let remaining = keys[k].limit - keys[k].committed
        guard remaining >= req.reserved else { return }
        if keys[k].firstAnyRefusal == nil {
            keys[k].firstAnyRefusal = now
            keys[k].committedAtFirstAny = keys[k].committed
        }
        if counts && keys[k].firstCause == nil {
            let (cause, parts) = classifyRefusal(key: k, node: req.node, why: why)
            keys[k].firstCause = cause
            if debugTrace {
                print("seed=\(seed) key=\(k) cause=\(cause.rawValue) gap=\(remaining) parts=\(parts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" })")
            }
        }
    }
}

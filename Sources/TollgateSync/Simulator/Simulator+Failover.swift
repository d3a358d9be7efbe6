/// The `failover` fault profile: key ownership moves between coordinators. In the first slot a
/// coordinator is lost for good (two or more coordinators only) and, `ownerDownAfter` later, the
/// set drops it; in the second a new coordinator joins. Every live coordinator adopts each new
/// set after its own random delay (up to `setAdoptionSpread`), so superseded owners may keep
/// granting for a while: the fencing rules (terms in grants, requests and reports) must keep
/// overspend at 0.
extension Simulator {
    var coordinatorSlots: Int { o.faults == .failover ? m + 1 : m }

    mutating func scheduleFailover(slot: Int, at t: Int64) {
        let at = t + Int64(rng.below(1_000_000_000))
        if slot == 0 && m >= 2 {
            q.push(at, .coordinatorLost(rng.below(m)))
        } else if slot == 1 {
            q.push(at, .setChange(members: [], join: m))
        }
    }

    mutating func loseCoordinator(_ c: Int) {
        let idx = n + c
        guard !down[idx] else { return }
        coordinatorCrashes += 1
        down[idx] = true
        coords[c] = nil
        q.push(now + o.ownerDownAfter, .setChange(members: coordSet.filter { $0 != ids[idx] }, join: nil))
    }

    /// The control plane's set change: a new term, pushed to every live coordinator (each after
    /// its own delay); a joining coordinator starts on the new set, learning.
    mutating func changeSet(_ members: [String], join: Int?) {
        var next = members
        if let j = join { next = coordSet + [ids[n + j]] }
        let before = keyOwner
        let oldSet = coordSet
        setTerm += 1
        coordSet = next.sorted()
        updateKeyOwners()
        if let j = join {
            // A new process: it starts on the set it was configured with and gains its keys from it.
            let idx = n + j
            down[idx] = false
            var co = Coordinator(identity: NodeIdentity(nodeID: ids[idx], epoch: epochs[idx]), config: o.sync,
                                 coordinators: oldSet, budgets: budgets, now: local(idx), learning: true, term: setTerm - 1)
            co.setCoordinators(coordSet, term: setTerm, now: local(idx))
            coords[j] = co
            restartAt[j] = now
        }
        ownershipMoves += zip(before, keyOwner).filter { $0 != $1 }.count
        for c in 0..<coordinatorSlots where c != join && coords[c] != nil {
            q.push(now + Int64(rng.below(Int(o.setAdoptionSpread) + 1)), .adoptSet(coordinator: c, members: coordSet, term: setTerm))
        }
    }

    mutating func updateKeyOwners() {
        keyOwner = budgets.map { b in index[Rendezvous.owner(of: b.scope, among: coordSet)!]! - n }
    }
}

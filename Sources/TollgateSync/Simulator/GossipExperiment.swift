/// Gossip-only experiment: `nodes` SWIM members in lock-step rounds of one gossip interval,
/// each message lost with `lossRate`. A broadcast (a budget-definitions change) starts at one
/// node; returns how many rounds until every node has it (or `maxRounds` + 1 if it never did).
public func measureGossipRounds(nodes: Int, lossRate: Double, seed: UInt64, config: MembershipConfig = MembershipConfig(),
                                maxRounds: Int = 100) -> Int {
    var rng = SeededRandom(seed: seed)
    let ids = (0..<nodes).map { NodeIdentity(nodeID: "g\($0)", epoch: 1) }
    var index: [String: Int] = [:]
    for (i, id) in ids.enumerated() { index[id.nodeID] = i }
    var members = ids.map { GossipMembership(identity: $0, config: config, seeds: ids, rng: SeededRandom(seed: rng.next()), now: 0) }
    // Let the initial "I am alive" broadcasts die down first, as in a settled cluster.
    var now: Int64 = 0
    func round(_ members: inout [GossipMembership], _ rng: inout SeededRandom, now: Int64) {
        var queue: [OutboundMessage] = []
        for i in members.indices { queue += members[i].tick(now: now) }
        var head = 0
        while head < queue.count {
            let m = queue[head]
            head += 1
            if rng.chance(lossRate) { continue }
            guard let to = index[m.to] else { continue }
            queue += members[to].receive(m.message, now: now)
        }
    }
    for _ in 0..<30 { now += config.gossipInterval; round(&members, &rng, now: now) }
    let marker = BudgetDefinitions(coordinator: NodeIdentity(nodeID: "marker", epoch: 1), version: 1, budgets: [])
    members[rng.below(nodes)].publish(marker)
    for r in 1...maxRounds {
        now += config.gossipInterval
        round(&members, &rng, now: now)
        if members.allSatisfy({ $0.budgets["marker"] != nil }) { return r }
    }
    return maxRounds + 1
}

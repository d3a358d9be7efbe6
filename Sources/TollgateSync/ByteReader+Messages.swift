extension ByteReader {
    mutating func node() throws(WireError) -> NodeIdentity { NodeIdentity(nodeID: try string(), epoch: try uvar()) }
    mutating func key() throws(WireError) -> BudgetKey { BudgetKey(scope: try string(), window: try uvar()) }

    mutating func entry() throws(WireError) -> LedgerEntry {
        LedgerEntry(key: try key(), holder: try node(), issuer: try node(), granted: try amount(), returned: try amount(), spent: try amount())
    }

    mutating func entries() throws(WireError) -> [LedgerEntry] {
        let n = try count(minElementSize: 9)   // key 2 + holder 2 + issuer 2 + 3 amounts
        var out: [LedgerEntry] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try entry()) }
        return out
    }

    mutating func policy() throws(WireError) -> PartitionPolicy {
        let at = offset
        guard let p = PartitionPolicy(rawValue: try u8()) else { throw WireError(.malformed, at: at) }
        return p
    }

    mutating func memberState() throws(WireError) -> MemberState {
        let at = offset
        guard let s = MemberState(rawValue: try u8()) else { throw WireError(.malformed, at: at) }
        return s
    }

    mutating func budget() throws(WireError) -> ClusterBudget {
        ClusterBudget(scope: try string(), window: try uvar(), limit: try amount(), policy: try policy(),
                      reservePerNode: try amount(), version: try uvar())
    }

    mutating func definitions() throws(WireError) -> BudgetDefinitions {
        let c = try node(), v = try uvar()
        let n = try count(minElementSize: 6)   // scope 1 + window, limit, policy, reserve, version
        var bs: [ClusterBudget] = []
        for _ in 0..<n { bs.append(try budget()) }
        let term = try uvar()
        let mn = try count(minElementSize: 1)
        var members: [String] = []
        for _ in 0..<mn { members.append(try string()) }
        return BudgetDefinitions(coordinator: c, version: v, budgets: bs, term: term, members: members)
    }

    mutating func update() throws(WireError) -> GossipUpdate {
        let at = offset
        switch try u8() {
        case 1:
            return .member(MemberUpdate(node: try node(), incarnation: try uvar(), state: try memberState()))
        case 2:
            let o = try node(), v = try uvar()
            let n = try count(minElementSize: 3)
            var items: [UsageItem] = []
            for _ in 0..<n { items.append(UsageItem(key: try key(), spent: try amount())) }
            return .usage(UsageSummary(origin: o, version: v, items: items))
        case 3:
            return .budget(try definitions())
        default:
            throw WireError(.malformed, at: at)
        }
    }

    mutating func updates() throws(WireError) -> [GossipUpdate] {
        let n = try count(minElementSize: 3)
        var out: [GossipUpdate] = []
        for _ in 0..<n { out.append(try update()) }
        return out
    }

    mutating func message() throws(WireError) -> SyncMessage {
        let at = offset
        let type = try u8()
        switch type {
        case 1:
            return .leaseRequest(LeaseRequest(key: try key(), holder: try node(), requestID: try uvar(), need: try amount(),
                                              ratePerSecond: try amount(), wantsReserve: try bool(), entries: try entries(),
                                              term: try uvar()))
        case 2:
            return .leaseGrant(LeaseGrant(key: try key(), holder: try node(), requestID: try uvar(), issuer: try node(),
                                          amount: try amount(), granted: try amount(), ttl: try amount(), isReserve: try bool(),
                                          tight: try bool(), remaining: try svar(), term: try uvar()))
        case 3:
            let k = try key(), h = try node(), id = try uvar(), i = try node()
            let rat = offset
            guard let reason = DenialReason(rawValue: try u8()) else { throw WireError(.malformed, at: rat) }
            return .leaseDenied(LeaseDenied(key: k, holder: h, requestID: id, issuer: i, reason: reason,
                                            remaining: try svar(), reclaimable: try svar(), retryAfter: try amount()))
        case 4:
            return .leaseReturn(LeaseReturn(holder: try node(), entries: try entries()))
        case 5:
            return .usageReport(UsageReport(sender: try node(), seq: try uvar(), budgetsVersion: try uvar(),
                                            entries: try entries(), custody: try entries(), term: try uvar()))
        case 6:
            let c = try node(), s = try uvar(), l = try bool(), v = try uvar()
            let n = try count(minElementSize: 2)
            var ks: [BudgetKey] = []
            for _ in 0..<n { ks.append(try key()) }
            return .reportAck(ReportAck(coordinator: c, seq: s, learning: l, budgetsVersion: v, tightKeys: ks, custody: try entries()))
        case 7:
            return .budgetDefinitions(try definitions())
        case 8:
            return .leaseAnnounce(LeaseAnnounce(holder: try node(), token: try uvar(), entry: try entry()))
        case 9:
            return .leaseAck(LeaseAck(from: try node(), token: try uvar()))
        case 10:
            return .ping(Ping(from: try node(), seq: try uvar(), relayTo: try string(), relaySeq: try uvar(), updates: try updates()))
        case 11:
            return .pingAck(PingAck(from: try node(), target: try node(), seq: try uvar(), updates: try updates()))
        case 12:
            return .pingReq(PingReq(from: try node(), target: try string(), seq: try uvar()))
        case 13:
            return .gossip(Gossip(from: try node(), updates: try updates()))
        case 14:
            let f = try node(), r = try bool()
            let n = try count(minElementSize: 5)
            var d: [DigestEntry] = []
            d.reserveCapacity(n)
            for _ in 0..<n {
                d.append(DigestEntry(node: try node(), incarnation: try uvar(), state: try memberState(), usageVersion: try uvar()))
            }
            return .pushPull(PushPull(from: f, isReply: r, digest: d, updates: try updates()))
        default:
            throw WireError(.unknownMessageType, at: at)
        }
    }
}

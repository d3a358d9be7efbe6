@testable import TollgateSync

/// Shared sample values for the sync tests.
enum Fx {
    static let key = BudgetKey(scope: "team:a|total_tokens|day", window: 7)
    static let s1 = NodeIdentity(nodeID: "s1", epoch: 1)
    static let s2 = NodeIdentity(nodeID: "s2", epoch: 3)
    static let c0 = NodeIdentity(nodeID: "c0", epoch: 2)
    static let entry = LedgerEntry(key: key, holder: s1, issuer: c0, granted: 5000, returned: 1200, spent: 3100)
    static let secret: [UInt8] = Array("correct horse battery staple".utf8)
    static let keyring = WireKeyring(keyID: 1, secret: secret)

    /// One value of every message type (and every gossip update kind).
    static var allMessages: [SyncMessage] {
        let budget = ClusterBudget(scope: key.scope, window: 7, limit: 1_000_000, policy: .failOpenBounded, reservePerNode: 500, version: 4)
        let defs = BudgetDefinitions(coordinator: c0, version: 9, budgets: [budget], term: 3, members: ["c0", "c1"])
        let ups: [GossipUpdate] = [
            .member(MemberUpdate(node: s2, incarnation: 5, state: .suspect)),
            .usage(UsageSummary(origin: s1, version: 12, items: [UsageItem(key: key, spent: 77)])),
            .budget(defs),
        ]
        return [
            .leaseRequest(LeaseRequest(key: key, holder: s1, requestID: 42, need: 900, ratePerSecond: 1234, wantsReserve: true, entries: [entry], term: 3)),
            .leaseGrant(LeaseGrant(key: key, holder: s1, requestID: 42, issuer: c0, amount: 2000, granted: 7000, ttl: 4_000_000_000,
                                   isReserve: false, tight: true, remaining: 55, term: 3)),
            .leaseDenied(LeaseDenied(key: key, holder: s1, requestID: 43, issuer: c0, reason: .exhausted, remaining: 10, reclaimable: 300, retryAfter: 1_000)),
            .leaseReturn(LeaseReturn(holder: s1, entries: [entry, entry])),
            .usageReport(UsageReport(sender: s2, seq: 99, budgetsVersion: 3, entries: [entry], custody: [entry], term: 3)),
            .reportAck(ReportAck(coordinator: c0, seq: 99, learning: true, budgetsVersion: 3, tightKeys: [key], custody: [entry])),
            .budgetDefinitions(defs),
            .leaseAnnounce(LeaseAnnounce(holder: s1, token: 8, entry: entry)),
            .leaseAck(LeaseAck(from: s2, token: 8)),
            .ping(Ping(from: s1, seq: 3, relayTo: "s9", relaySeq: 4, updates: ups)),
            .pingAck(PingAck(from: s2, target: s2, seq: 3, updates: ups)),
            .pingReq(PingReq(from: s1, target: "s2", seq: 5)),
            .gossip(Gossip(from: s1, updates: ups)),
            .pushPull(PushPull(from: s1, isReply: true, digest: [DigestEntry(node: s2, incarnation: 1, state: .alive, usageVersion: 6)], updates: ups)),
        ]
    }
}

import Testing
@testable import TollgateSync

struct GossipMembershipTests {
    static func nodes(_ n: Int) -> [NodeIdentity] { (0..<n).map { NodeIdentity(nodeID: "m\($0)", epoch: 1) } }

    /// Runs `members` for `rounds` gossip intervals, dropping messages to or from `dead`.
    static func run(_ members: inout [GossipMembership], rounds: Int, from start: Int64, dead: Set<String> = []) -> Int64 {
        var now = start
        let index = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.identity.nodeID, $0) })
        for _ in 0..<rounds {
            now += 100_000_000
            var q: [(String, OutboundMessage)] = []
            for i in members.indices where !dead.contains(members[i].identity.nodeID) {
                q += members[i].tick(now: now).map { (members[i].identity.nodeID, $0) }
            }
            var h = 0
            while h < q.count {
                let (from, m) = q[h]; h += 1
                guard !dead.contains(m.to), !dead.contains(from), let to = index[m.to] else { continue }
                q += members[to].receive(m.message, now: now).map { (m.to, $0) }
            }
        }
        return now
    }

    /// A silent member is suspected, then declared dead, by everyone else.
    @Test func detectsFailure() {
        let ids = Self.nodes(8)
        var ms = ids.enumerated().map { GossipMembership(identity: $1, seeds: ids, rng: SeededRandom(seed: UInt64($0)), now: 0) }
        let t = Self.run(&ms, rounds: 20, from: 0)
        #expect(ms.allSatisfy { $0.aliveMembers.count == 7 })
        _ = Self.run(&ms, rounds: 200, from: t, dead: ["m3"])
        for m in ms where m.identity.nodeID != "m3" { #expect(m.state(of: "m3") == .dead) }
        #expect(ms[0].state(of: "m4") == .alive)
    }

    /// A member refutes a suspicion about itself with a higher incarnation.
    @Test func refutesSuspicion() {
        let ids = Self.nodes(2)
        var a = GossipMembership(identity: ids[0], seeds: ids, rng: SeededRandom(seed: 1), now: 0)
        _ = a.receive(.gossip(Gossip(from: ids[1], updates: [.member(MemberUpdate(node: ids[0], incarnation: 0, state: .suspect))])), now: 1)
        #expect(a.incarnation == 1)
        var b = GossipMembership(identity: ids[1], seeds: ids, rng: SeededRandom(seed: 2), now: 0)
        _ = b.receive(.gossip(Gossip(from: ids[1], updates: [.member(MemberUpdate(node: ids[0], incarnation: 0, state: .suspect))])), now: 1)
        #expect(b.state(of: "m0") == .suspect)
        _ = b.receive(.gossip(Gossip(from: ids[0], updates: [.member(MemberUpdate(node: ids[0], incarnation: 1, state: .alive))])), now: 2)
        #expect(b.state(of: "m0") == .alive)
    }

    /// A restarted member (new epoch) supersedes its former self, even one declared dead.
    @Test func newEpochSupersedes() {
        let ids = Self.nodes(2)
        var a = GossipMembership(identity: ids[0], seeds: ids, rng: SeededRandom(seed: 1), now: 0)
        _ = a.receive(.gossip(Gossip(from: ids[0], updates: [.member(MemberUpdate(node: ids[1], incarnation: 9, state: .dead))])), now: 1)
        #expect(a.state(of: "m1") == .dead)
        let reborn = NodeIdentity(nodeID: "m1", epoch: 2)
        _ = a.receive(.ping(Ping(from: reborn, seq: 1)), now: 2)
        #expect(a.state(of: "m1") == .alive && a.member("m1")?.epoch == 2)
    }

    /// Usage summaries (own included) spread, and push-pull anti-entropy repairs a node that missed them.
    @Test func usageConvergesWithAntiEntropy() {
        let ids = Self.nodes(6)
        var cfg = MembershipConfig()
        cfg.pushPullInterval = 500_000_000
        cfg.usagePublishInterval = 100_000_000
        var ms = ids.enumerated().map { GossipMembership(identity: $1, config: cfg, seeds: ids, rng: SeededRandom(seed: UInt64($0)), now: 0) }
        for i in ms.indices { ms[i].setLocalUsage([UsageItem(key: Fx.key, spent: Int64(100 * (i + 1)))]) }
        // m5 hears nothing for a while, then anti-entropy must bring it up to date.
        let t = Self.run(&ms, rounds: 30, from: 0, dead: ["m5"])
        #expect(ms[5].usage.count == 0)
        _ = Self.run(&ms, rounds: 40, from: t)
        #expect(ms.allSatisfy { $0.usage.count == 6 }, "\(ms.map { ($0.usage.count, $0.state(of: "m5").map { "\($0)" } ?? "-") })")
        #expect(ms[5].usage["m0"]?.items.first?.spent == 100)
    }

    /// At 1,000 members with 1% loss a broadcast reaches everyone within 10 gossip rounds.
    @Test func disseminationAtScale() {
        let rounds = (1...2).map { measureGossipRounds(nodes: 1_000, lossRate: 0.01, seed: UInt64($0)) }
        print("gossip rounds to full dissemination at 1000 nodes, 1% loss: \(rounds)")
        #expect(rounds.allSatisfy { $0 <= 10 })
    }
}

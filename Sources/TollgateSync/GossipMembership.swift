/// SWIM-style membership for sidecars, as a pure state machine: round-robin probing with ping,
/// indirect ping-req through k members, suspicion with a timeout before `dead`, incarnation
/// numbers to refute suspicion, epochs so a restarted node supersedes its former self, and
/// infection-style dissemination piggy-backed on pings, acks and gossip rounds. Usage summaries
/// and budget definitions ride the same broadcasts; push-pull anti-entropy with digests (a
/// version vector over origins) repairs whatever loss left behind.
public struct GossipMembership: Sendable {
    struct Member: Sendable {
        var node: NodeIdentity
        var incarnation: UInt64
        var state: MemberState
        var changedAt: Int64
    }

    struct Probe: Sendable {
        var target: String
        var seq: UInt64
        var sentAt: Int64
        var indirectSent: Bool
        var acked: Bool
    }

    public let identity: NodeIdentity
    public var config: MembershipConfig
    var rng: SeededRandom
    public private(set) var incarnation: UInt64 = 0
    var members: [String: Member] = [:]
    /// Non-dead members, for O(1) random choice.
    var live: [String] = []
    var liveIndex: [String: Int] = [:]
    var probeOrder: [String] = []
    var probeCursor = 0
    var probe: Probe?
    var seq: UInt64 = 0
    var relays: [UInt64: (String, UInt64)] = [:]
    /// Membership and budget broadcasts: always piggy-backed first.
    var queue: BroadcastQueue
    /// Usage summaries: fill what room is left (anti-entropy covers the rest at scale).
    var usageQueue: BroadcastQueue
    var suspects: Set<String> = []
    /// Latest usage summary per origin node id.
    public private(set) var usage: [String: UsageSummary] = [:]
    /// Latest budget definitions seen per coordinator id.
    public private(set) var budgets: [String: BudgetDefinitions] = [:]
    var localItems: [UsageItem] = []
    var localUsageDirty = false
    var lastUsagePublish: Int64 = .min / 2
    var nextGossip: Int64
    var nextProbe: Int64
    var nextPushPull: Int64
    /// Counters for the simulator and metrics.
    public private(set) var messagesSent = 0

    public init(identity: NodeIdentity, config: MembershipConfig = MembershipConfig(), seeds: [NodeIdentity] = [],
                rng: SeededRandom, now: Int64) {
        self.identity = identity
        self.config = config
        self.rng = rng
        queue = BroadcastQueue(capacity: config.maxQueue)
        usageQueue = BroadcastQueue(capacity: config.maxQueue)
        nextGossip = now + Int64(self.rng.below(Int(max(1, config.gossipInterval))))
        nextProbe = now + Int64(self.rng.below(Int(max(1, config.probeInterval))))
        nextPushPull = now + Int64(self.rng.below(Int(max(1, config.pushPullInterval))))
        for s in seeds where s.nodeID != identity.nodeID {
            add(Member(node: s, incarnation: 0, state: .alive, changedAt: now))
        }
        enqueue(.member(MemberUpdate(node: identity, incarnation: 0, state: .alive)))
    }

    // MARK: Queries

    /// Members currently believed alive (not suspect, not dead), excluding self.
    /// Members not known dead (alive or suspect), excluding self.
    public var liveCount: Int { live.count }
    /// Members believed alive (suspects left out): the ones a grant can be announced to.
    public var aliveCount: Int { live.reduce(0) { $0 + (members[$1]?.state == .alive ? 1 : 0) } }
    public var aliveMembers: [NodeIdentity] { live.compactMap { members[$0].flatMap { $0.state == .alive ? $0.node : nil } } }
    public var memberCount: Int { members.count }
    public func state(of nodeID: String) -> MemberState? { members[nodeID]?.state }
    public func member(_ nodeID: String) -> NodeIdentity? { members[nodeID]?.node }

    /// Up to `count` distinct random live members, excluding `excluding`.
    public mutating func randomMembers(_ count: Int, excluding: Set<String> = []) -> [String] {
        var out: [String] = []
        guard !live.isEmpty, count > 0 else { return out }
        var tries = 0
        while out.count < count && tries < count * 4 + 8 {
            tries += 1
            let c = live[rng.below(live.count)]
            if !excluding.contains(c) && !out.contains(c) && members[c]?.state == .alive { out.append(c) }
        }
        if out.count < count {
            for c in live where out.count < count && !excluding.contains(c) && !out.contains(c) && members[c]?.state == .alive {
                out.append(c)
            }
        }
        return out
    }

    /// Version of `origin`'s usage summary this node holds (0 if none).
    public func usageVersion(of origin: String) -> UInt64 { usage[origin]?.version ?? 0 }

    // MARK: Local changes

    /// Publishes this node's usage (rate-limited to `usagePublishInterval` in `tick`).
    public mutating func setLocalUsage(_ items: [UsageItem]) {
        if items != localItems { localItems = items; localUsageDirty = true }
    }

    /// Publishes budget definitions learned from a coordinator to the fleet.
    public mutating func publish(_ defs: BudgetDefinitions) {
        if merge(.budget(defs)) { }
    }

    // MARK: Inputs

    public mutating func tick(now: Int64) -> [OutboundMessage] {
        var out: [OutboundMessage] = []
        if localUsageDirty && now - lastUsagePublish >= config.usagePublishInterval {
            localUsageDirty = false
            lastUsagePublish = now
            let v = (usage[identity.nodeID]?.version ?? 0) + 1
            let s = UsageSummary(origin: identity, version: v, items: localItems)
            usage[identity.nodeID] = s
            enqueue(.usage(s))
        }
        // Probe round.
        if var p = probe, !p.acked {
            if !p.indirectSent && now - p.sentAt >= config.probeTimeout {
                p.indirectSent = true
                probe = p
                for via in randomMembers(config.indirectProbes, excluding: [p.target]) {
                    out.append(OutboundMessage(to: via, .pingReq(PingReq(from: identity, target: p.target, seq: p.seq))))
                }
            }
        }
        if now >= nextProbe {
            nextProbe = now + config.probeInterval
            if let p = probe, !p.acked, var m = members[p.target], m.state == .alive {
                m.state = .suspect
                m.changedAt = now
                members[p.target] = m
                suspects.insert(p.target)
                enqueue(.member(MemberUpdate(node: m.node, incarnation: m.incarnation, state: .suspect)))
            }
            probe = nil
            if let target = nextProbeTarget() {
                seq += 1
                probe = Probe(target: target, seq: seq, sentAt: now, indirectSent: false, acked: false)
                out.append(OutboundMessage(to: target, .ping(Ping(from: identity, seq: seq, updates: piggyback()))))
            }
            // Suspicion timeouts.
            let timeout = config.suspicionMult * config.probeInterval * Int64(max(1, log10Ceil(members.count + 1)))
            for id in suspects {
                guard let m = members[id], m.state == .suspect else { suspects.remove(id); continue }
                guard now - m.changedAt >= timeout else { continue }
                suspects.remove(id)
                var d = m
                d.state = .dead
                d.changedAt = now
                members[id] = d
                removeLive(id)
                enqueue(.member(MemberUpdate(node: d.node, incarnation: d.incarnation, state: .dead)))
            }
        }
        if now >= nextGossip {
            nextGossip = now + config.gossipInterval
            if !queue.isEmpty || !usageQueue.isEmpty {
                for to in randomMembers(config.fanout) {
                    let ups = piggyback()
                    if ups.isEmpty { break }
                    out.append(OutboundMessage(to: to, .gossip(Gossip(from: identity, updates: ups))))
                }
            }
        }
        if now >= nextPushPull {
            let n = max(1, members.count + 1)
            let scale = n <= 32 ? 1.0 : (approxLog2(Double(n)) - 4.0)
            nextPushPull = now + Int64(Double(config.pushPullInterval) * max(1.0, scale))
            if let to = randomMembers(1).first {
                out.append(OutboundMessage(to: to, .pushPull(PushPull(from: identity, isReply: false, digest: digest(), updates: []))))
            }
        }
        messagesSent += out.count
        return out
    }

    /// Handles a membership/gossip message; returns replies. Other messages are ignored.
    public mutating func receive(_ message: SyncMessage, now: Int64) -> [OutboundMessage] {
        var out: [OutboundMessage] = []
        switch message {
        case .ping(let p):
            heard(p.from, now: now)
            apply(p.updates, now: now)
            out.append(OutboundMessage(to: p.from.nodeID, .pingAck(PingAck(from: identity, target: identity, seq: p.seq, updates: piggyback()))))
        case .pingAck(let a):
            heard(a.from, now: now)
            apply(a.updates, now: now)
            if let (to, s) = relays.removeValue(forKey: a.seq) {
                out.append(OutboundMessage(to: to, .pingAck(PingAck(from: identity, target: a.target, seq: s))))
            } else if var p = probe, p.seq == a.seq, p.target == a.target.nodeID {
                p.acked = true
                probe = p
            }
        case .pingReq(let r):
            heard(r.from, now: now)
            seq += 1
            relays[seq] = (r.from.nodeID, r.seq)
            if relays.count > 1024 { relays.removeAll() }
            out.append(OutboundMessage(to: r.target, .ping(Ping(from: identity, seq: seq, relayTo: r.from.nodeID, relaySeq: r.seq))))
        case .gossip(let g):
            heard(g.from, now: now)
            apply(g.updates, now: now)
        case .pushPull(let p):
            heard(p.from, now: now)
            apply(p.updates, now: now)
            // Membership from the digest (full state), then usage versions.
            var theirs: [String: (UInt64, UInt64)] = [:]
            theirs.reserveCapacity(p.digest.count)
            for d in p.digest {
                theirs[d.node.nodeID] = (d.node.epoch, d.usageVersion)
                _ = merge(.member(MemberUpdate(node: d.node, incarnation: d.incarnation, state: d.state)), now: now, rebroadcast: false)
            }
            var missing: [GossipUpdate] = []
            for (origin, s) in usage.sorted(by: { $0.key < $1.key }) where (s.origin.epoch, s.version) > (theirs[origin] ?? (0, 0)) { missing.append(.usage(s)) }
            for (_, d) in budgets.sorted(by: { $0.key < $1.key }) { missing.append(.budget(d)) }
            if p.isReply {
                if !missing.isEmpty { out.append(OutboundMessage(to: p.from.nodeID, .gossip(Gossip(from: identity, updates: missing)))) }
            } else {
                out.append(OutboundMessage(to: p.from.nodeID, .pushPull(PushPull(from: identity, isReply: true, digest: digest(), updates: missing))))
            }
        default:
            break
        }
        messagesSent += out.count
        return out
    }

    // MARK: Internals

    mutating func heard(_ node: NodeIdentity, now: Int64) {
        if node.nodeID == identity.nodeID { return }
        if let m = members[node.nodeID] {
            if node.epoch > m.node.epoch {
                _ = merge(.member(MemberUpdate(node: node, incarnation: 0, state: .alive)), now: now, rebroadcast: true)
            }
        } else {
            _ = merge(.member(MemberUpdate(node: node, incarnation: 0, state: .alive)), now: now, rebroadcast: true)
        }
    }

    mutating func apply(_ updates: [GossipUpdate], now: Int64) {
        for u in updates { _ = merge(u, now: now, rebroadcast: true) }
    }

    @discardableResult
    mutating func merge(_ u: GossipUpdate) -> Bool { merge(u, now: 0, rebroadcast: true) }

    /// Applies one update; returns true if it was news (and queues it for rebroadcast).
    mutating func merge(_ u: GossipUpdate, now: Int64, rebroadcast: Bool) -> Bool {
        var news = false
        switch u {
        case .member(let m):
            if m.node.nodeID == identity.nodeID {
                if m.node.epoch == identity.epoch && m.state != .alive && m.incarnation >= incarnation {
                    incarnation = m.incarnation + 1   // refute
                    enqueue(.member(MemberUpdate(node: identity, incarnation: incarnation, state: .alive)))
                }
                return false
            }
            if let cur = members[m.node.nodeID] {
                if m.node.epoch < cur.node.epoch { return false }
                if m.node.epoch == cur.node.epoch {
                    let newer: Bool
                    switch m.state {
                    case .alive: newer = m.incarnation > cur.incarnation
                    case .suspect: newer = (m.incarnation > cur.incarnation) || (m.incarnation == cur.incarnation && cur.state == .alive)
                    case .dead: newer = (m.incarnation >= cur.incarnation) && cur.state != .dead
                    }
                    if !newer { return false }
                }
            }
            let fresh = members[m.node.nodeID] == nil
            members[m.node.nodeID] = Member(node: m.node, incarnation: m.incarnation, state: m.state, changedAt: now)
            if m.state == .suspect { suspects.insert(m.node.nodeID) } else { suspects.remove(m.node.nodeID) }
            if m.state == .dead { removeLive(m.node.nodeID) } else { addLive(m.node.nodeID) }
            if fresh { probeOrder.insert(m.node.nodeID, at: rng.below(probeOrder.count + 1)) }
            news = true
        case .usage(let s):
            if s.origin.nodeID == identity.nodeID { return false }
            if let cur = usage[s.origin.nodeID], (cur.origin.epoch, cur.version) >= (s.origin.epoch, s.version) { return false }
            usage[s.origin.nodeID] = s
            news = true
        case .budget(let d):
            if let cur = budgets[d.coordinator.nodeID], cur.version >= d.version { return false }
            budgets[d.coordinator.nodeID] = d
            news = true
        }
        if news && rebroadcast { enqueue(u) }
        return news
    }

    mutating func add(_ m: Member) {
        members[m.node.nodeID] = m
        addLive(m.node.nodeID)
        probeOrder.insert(m.node.nodeID, at: rng.below(probeOrder.count + 1))
    }

    mutating func addLive(_ id: String) {
        if liveIndex[id] == nil { liveIndex[id] = live.count; live.append(id) }
    }

    mutating func removeLive(_ id: String) {
        guard let i = liveIndex.removeValue(forKey: id) else { return }
        let last = live.removeLast()
        if i < live.count { live[i] = last; liveIndex[last] = i }
    }

    mutating func nextProbeTarget() -> String? {
        guard !probeOrder.isEmpty else { return nil }
        for _ in 0..<probeOrder.count {
            if probeCursor >= probeOrder.count {
                probeCursor = 0
                // reshuffle each full pass (Fisher-Yates with our PRNG)
                var i = probeOrder.count - 1
                while i > 0 { probeOrder.swapAt(i, rng.below(i + 1)); i -= 1 }
            }
            let id = probeOrder[probeCursor]
            probeCursor += 1
            if let m = members[id], m.state != .dead { return id }
        }
        return nil
    }

    mutating func enqueue(_ u: GossipUpdate) {
        switch u {
        case .member(let m): queue.push("m:" + m.node.nodeID, u)
        case .usage(let s): usageQueue.push(s.origin.nodeID, u)
        case .budget(let d): queue.push("b:" + d.coordinator.nodeID, u)
        }
    }

    /// Takes up to maxPiggyback least-sent broadcasts (membership and budgets first) and counts the send.
    mutating func piggyback() -> [GossipUpdate] {
        var out: [GossipUpdate] = []
        let limit = config.retransmitMult * max(1, log10Ceil(members.count + 1))
        queue.take(into: &out, max: config.maxPiggyback, limit: limit)
        usageQueue.take(into: &out, max: config.maxPiggyback, limit: max(2, limit / 2))
        return out
    }

    func digest() -> [DigestEntry] {
        var d: [DigestEntry] = []
        d.reserveCapacity(members.count + 1)
        d.append(DigestEntry(node: identity, incarnation: incarnation, state: .alive, usageVersion: usage[identity.nodeID]?.version ?? 0))
        // In key order: a message's content must not depend on a dictionary's per-instance order.
        for (id, m) in members.sorted(by: { $0.key < $1.key }) {
            d.append(DigestEntry(node: m.node, incarnation: m.incarnation, state: m.state, usageVersion: usage[id]?.version ?? 0))
        }
        return d
    }
}

/// ceil(log10(n)) for n >= 1.
func log10Ceil(_ n: Int) -> Int {
    var x = 1, k = 0
    while x < n { x *= 10; k += 1 }
    return k
}

func approxLog2(_ x: Double) -> Double {
    var v = x, r = 0.0
    while v >= 2 { v /= 2; r += 1 }
    return r + (v - 1) // piecewise-linear approximation is enough for scaling intervals
}

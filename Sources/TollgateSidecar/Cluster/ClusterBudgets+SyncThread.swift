import Glibc
import TollgateSync
import TollgateTransport

/// The sync thread: every 20 ms (or when woken) it feeds received datagrams and the timer into
/// the state machine, checkpoints settled spend, and delivers what comes out: frames for a
/// coordinator in one POST (whose answer is fed back in), frames for peers as datagrams.
extension ClusterBudgets {
    func runSyncThread() {
        var fds = [pollfd(fd: wakeFDsRead, events: Int16(POLLIN), revents: 0)]
        if let g = gossip { fds.append(pollfd(fd: g.fd, events: Int16(POLLIN), revents: 0)) }
        var drain = [UInt8](repeating: 0, count: 64)
        while running.load(ordering: .acquiring) {
            _ = poll(&fds, nfds_t(fds.count), 20)
            _ = read(wakeFDsRead, &drain, drain.count)
            step()
        }
        for c in clients.values { c.disconnect() }
    }

    func step() {
        let now = self.now()
        var inbound: [SyncMessage] = []
        if let g = gossip {
            for (bytes, source) in g.receiveAll() {
                var offset = 0
                while offset < bytes.count {
                    guard let (m, used) = try? codec.decode(bytes[offset...]) else { break }
                    offset += used
                    if let source {
                        seedsHeard.insert(source.description)
                        if let from = Self.sender(m) { g.learn(from, source) }
                    }
                    inbound.append(m)
                }
            }
        }
        let resolved = resolvedCoordinators.withLock { v in defer { v = nil }; return v }
        let (out, wal, members, replaced) = state.withLock { s in
            let replaced = resolved.map { s.observeResolvedSet($0, now: now) } ?? false
            var o: [OutboundMessage] = []
            for m in inbound { o += s.receive(m, now: now) }
            o += s.tick(now: now)
            return (o, s.checkpoint(), s.coordinators, replaced)
        }
        if replaced {
            Log.warning("cluster: no coordinator answered for \(SyncConfig().unreachableAfter / 1_000_000_000) s and \(coordinatorNames.joined(separator: ",")) now resolves to \(members.joined(separator: ",")): following the new coordinator set")
        }
        writeLedger(wal, now: now)
        connectNewCoordinators(members)
        if var r = tlsReloader {
            if let fresh = r.check(now: MonotonicClock.now(), build: { (s) throws(ConfigError) in try s.clientContext() }) {
                for c in clients.values { c.tls = fresh }
            }
            tlsReloader = r
        }
        pingSeeds(now: now)
        deliver(out, depth: 0)
        logMembership()
    }

    /// A coordinator set adopted from the coordinators' budget definitions (a later term: a pod
    /// added behind the headless Service) may name coordinators this sidecar has no connection
    /// to yet: open one, so messages for them are not dropped.
    func connectNewCoordinators(_ members: [String]) {
        for c in members where clients[c] == nil {
            let client = SyncHTTP2Client(target: c, serverName: coordinatorServiceName ?? SyncHTTP2Client.host(of: c),
                                         tls: clients.values.first?.tls)
            clients[c] = client
            links.withLock { $0[c] = client.link }
            Log.info("cluster: coordinator \(c) joined the coordinator set; connecting")
        }
    }

    /// Seeds are addresses, not members yet: ping each until it answers; the answer makes it a
    /// member (and us one of its members), and SWIM takes over.
    func pingSeeds(now: Int64) {
        guard let g = gossip, now - lastSeedPing >= 1_000_000_000 else { return }
        lastSeedPing = now
        let members = state.withLock { s in s.membership.aliveMembers.compactMap { GossipSocket.address(ofNodeID: $0.nodeID)?.description } }
        for a in seeds where !seedsHeard.contains(a.description) && !members.contains(a.description) {
            seq += 1
            g.send(codec.encode(.ping(Ping(from: identity, seq: 1 << 40 + seq))), to: a)
        }
    }

    func deliver(_ out: [OutboundMessage], depth: Int) {
        var toCoordinator: [String: [UInt8]] = [:]
        for m in out {
            if clients[m.to] != nil {
                toCoordinator[m.to, default: []] += codec.encode(m.message)
            } else if let g = gossip, m.to != identity.nodeID {
                g.send(codec.encode(m.message), toNode: m.to)
            }
        }
        for (c, body) in toCoordinator.sorted(by: { $0.key < $1.key }) {
            let answer = clients[c]?.post(path: "/v1/sync", node: identity.nodeID, body: body)
            if let link = clients[c]?.link { links.withLock { $0[c] = link } }
            guard let answer else { continue }
            var replies: [SyncMessage] = []
            var offset = 0
            while offset < answer.count {
                guard let (m, used) = try? codec.decode(answer[offset...]) else {
                    Log.warning("cluster: rejected a frame from coordinator \(c) (check --sync-secret-file)")
                    break
                }
                offset += used
                replies.append(m)
            }
            let now = self.now()
            if Log.level <= .debug {
                Log.debug("cluster: sent \(out.filter { $0.to == c }.map { "\($0.message.typeCode)" }) to \(c), got \(replies.map(Self.describe))")
            }
            let more = state.withLock { s in replies.flatMap { s.receive($0, now: now) } }
            if depth < 3 && !more.isEmpty { deliver(more, depth: depth + 1) }
        }
    }

    /// Logs members joining, turning suspect, dying and coming back.
    func logMembership() {
        let (alive, states): ([NodeIdentity], [String: MemberState]) = state.withLock { s in
            let m = s.membership
            var st: [String: MemberState] = [:]
            for id in memberStates.keys { st[id] = m.state(of: id) }
            for n in m.aliveMembers { st[n.nodeID] = .alive }
            return (m.aliveMembers, st)
        }
        _ = alive
        for (id, s) in states.sorted(by: { $0.key < $1.key }) where memberStates[id] != s {
            let was = memberStates[id]
            memberStates[id] = s
            switch s {
            case .alive: Log.info(was == nil ? "gossip: \(id) joined" : "gossip: \(id) is alive again")
            case .suspect: Log.info("gossip: \(id) is suspect")
            case .dead: Log.warning("gossip: \(id) is dead")
            }
        }
    }

    static func describe(_ m: SyncMessage) -> String {
        switch m {
        case .leaseGrant(let g): "grant(\(g.amount), tight \(g.tight), rem \(g.remaining))"
        case .leaseDenied(let d): "denied(\(d.reason), rem \(d.remaining), reclaimable \(d.reclaimable))"
        case .reportAck(let a): "ack(learning \(a.learning), tight \(a.tightKeys.count))"
        default: "type\(m.typeCode)"
        }
    }

    /// Who sent a peer message (to learn its address from the datagram's source).
    static func sender(_ m: SyncMessage) -> String? {
        switch m {
        case .ping(let p): p.from.nodeID
        case .pingAck(let a): a.from.nodeID
        case .pingReq(let r): r.from.nodeID
        case .gossip(let g): g.from.nodeID
        case .pushPull(let p): p.from.nodeID
        case .leaseAnnounce(let a): a.holder.nodeID
        case .leaseAck(let a): a.from.nodeID
        default: nil
        }
    }
}

import Glibc

/// A seeded discrete-event simulation of one cluster: N sidecars, M coordinators, a workload, a
/// lossy network and a fault schedule. The same options and seed give the same run. Ground truth
/// (every unit admitted and served) is recorded here, outside the protocol, and compared with the
/// limits. `mode` selects the escrow protocol or the naive sync-only baseline.
struct Simulator {
    enum Mode { case escrow, baseline }

    enum Payload {
        case sync(SyncMessage)
        case baseReport(epoch: UInt64, cumulative: Int64)
        case baseTotal(Int64)
    }

    enum Event {
        case deliver(to: Int, from: Int, Payload)
        case tick(node: Int, epoch: UInt64)
        case arrival(node: Int)
        case settle(request: Int)
        case coordinatorCrash(Int, down: Int64, sidecars: Int)
        case armedCrash(Int)
        case strike(Int, down: Int64, sidecars: Int, holder: Int)
        case coordinatorRestart(Int)
        case sidecarCrash(Int, down: Int64)
        case sidecarRestart(Int)
        case partition(group: [Int], length: Int64)
        case heal
        case learningCheck(coordinator: Int, epoch: UInt64, knownBefore: Int64, diskLost: Bool)
        case marker
        /// Failover: a coordinator lost for good; the set changes (term + 1); one coordinator adopts it.
        case coordinatorLost(Int)
        case setChange(members: [String], join: Int?)
        case adoptSet(coordinator: Int, members: [String], term: UInt64)
    }

    struct Request {
        var node: Int
        var epoch: UInt64
        var key: Int
        var reserved: Int64
        var actual: Int64
        var arrival: Int64
        var ticket: LeaseTicket?
        var admitted = false
        var done = false
        var beforeFirstBad = false
    }

    struct KeyTruth {
        var scope: String
        var limit: Int64
        var policy: PartitionPolicy
        var committed: Int64 = 0       // settled actuals + in-flight reservations + crashed reservations
        var peakCommitted: Int64 = 0
        var firstBadRefusal: Int64?
        var committedAtFirstBad: Int64?
        var badRefusals = 0
        var refusals = 0
        /// First refusal of any kind (partition policy included) the budget could have served.
        var firstAnyRefusal: Int64?
        var committedAtFirstAny: Int64?
        var firstCause: RefusalCause?
    }

    struct GossipMarker {
        var start: Int64
        var version: UInt64
        var reached: [Bool]
        var count = 0
        var t99: Int64?
        var tFull: Int64?
        var origin: Int
        var usageTarget: Int64
        var usageScope: String
        var usageReached: [Bool]
        var usageCount = 0
        var usage99: Int64?
        /// A crash, restart or partition happened while it spread: not a measure of gossip itself.
        var disturbed = false
    }

    let o: SimulationOptions
    let seed: UInt64
    let mode: Mode
    var rng: SeededRandom
    var netRng: SeededRandom
    var now: Int64 = 0
    var q = EventQueue<Event>()
    let n: Int
    let m: Int
    var ids: [String] = []
    var index: [String: Int] = [:]
    var drift: [Int64] = []          // ppm per node
    var side: [Bool] = []            // partition side (true = cut off)
    var partitioned = false
    var down: [Bool] = []
    var sidecars: [SidecarSyncState?] = []
    var baseNodes: [BaselineNode] = []
    var epochs: [UInt64] = []
    var wal: [SidecarWAL?] = []
    var coords: [Coordinator?] = []
    var aggregators: [BaselineAggregator] = []
    /// Requests waiting for escrow, per node and key, in arrival order. Each one retries on its
    /// own, as a real sidecar's suspended exchanges do: a request that must wait (on a key being
    /// re-learned, or for more escrow than is left) does not hold up smaller ones behind it.
    var waiting: [[[Int]]] = []
    var rates: [Double] = []
    var requests: [Request] = []
    var keys: [KeyTruth] = []
    var budgets: [ClusterBudget] = []
    var lastGrantAt: [Int64] = []
    var markers: [GossipMarker] = []
    var usageMarks: [[(Int64, Int, Int64)]] = []   // per sidecar: (time, key, spent target)
    var markerVersion: UInt64 = 0
    var restartAt: [Int64?] = []
    var inPartitionWindow: [(Int64, Int64)] = []
    /// Ground truth per key and holder identity (admitted reservations settled to actuals).
    var committedBy: [[NodeIdentity: Int64]] = []
    /// Holder identities that crashed and lost their disk (WAL) too.
    var diskLostIdentities: Set<NodeIdentity> = []

    // Results.
    var invariantViolations = 0
    var usageToCoordinator: [Int64] = []
    var usageLost: [Int64] = []
    var grantResume: [Int64] = []
    var messages = 0
    var coordinatorCrashes = 0
    var sidecarCrashes = 0
    var failOpenExposure: Int64 = 0
    var admissions = 0
    var traceHash: UInt64 = 0xCBF2_9CE4_8422_2325
    /// How long each admission that did not pass at once waited (ns).
    var admissionWaits: [Int64] = []

    init(options: SimulationOptions, seed: UInt64, mode: Mode) {
        o = options
        self.seed = seed
        self.mode = mode
        rng = SeededRandom(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        netRng = SeededRandom(seed: seed ^ 0xD1B5_4A32_D192_ED03)
        n = max(1, options.sidecars)
        m = max(1, options.coordinators)
        setUp()
    }

    func local(_ i: Int) -> Int64 { now + now / 1_000_000 * drift[i] }
    func isSidecar(_ i: Int) -> Bool { i < n }

    mutating func setUp() {
        for i in 0..<n { ids.append("s\(i)") }
        // Failover runs keep one more coordinator slot, started when the set grows.
        for j in 0..<coordinatorSlots { ids.append("c\(j)") }
        for (i, id) in ids.enumerated() { index[id] = i }
        let total = n + coordinatorSlots
        drift = (0..<total).map { _ in Int64(rng.below(Int(2 * o.driftPPM + 1))) - o.driftPPM }
        side = Array(repeating: false, count: total)
        down = Array(repeating: false, count: total)
        epochs = Array(repeating: 1, count: total)
        lastGrantAt = Array(repeating: .min / 2, count: n)
        restartAt = Array(repeating: nil, count: coordinatorSlots)
        waiting = Array(repeating: [], count: n)
        usageMarks = Array(repeating: [], count: n)
        // Per-node demand: 0.25x..4x the mean, log-uniform.
        rates = (0..<n).map { _ in o.requestsPerSecond * pow(2, rng.unit() * 4 - 2) }
        let meanRate = rates.reduce(0, +)
        // One key per coordinator, each owned by a different coordinator where possible.
        let coordIDs = Array(ids[n..<(n + m)])
        coordSet = coordIDs
        var scopes: [String] = []
        var owned = Set<String>()
        var k = 0
        while scopes.count < m && k < 10_000 {
            let s = "team:\(k)|total_tokens|day"
            let ow = Rendezvous.owner(of: s, among: coordIDs)!
            if !owned.contains(ow) { owned.insert(ow); scopes.append(s) }
            k += 1
        }
        let meanActual = Double(o.meanReservation) * 0.6
        for (ki, s) in scopes.enumerated() {
            let policy: PartitionPolicy = (Int(seed) + ki) % 2 == 0 ? .failClosed : .failOpenBounded
            let limit = Int64(meanRate * meanActual * o.budgetSeconds / Double(scopes.count))
            let b = ClusterBudget(scope: s, window: 1, limit: limit, policy: policy,
                                  reservePerNode: policy == .failOpenBounded ? o.meanReservation : 0)
            budgets.append(b)
            keys.append(KeyTruth(scope: s, limit: limit, policy: policy))
            committedBy.append([:])
        }
        updateKeyOwners()
        liveSidecars = n
        let peers = (0..<n).map { NodeIdentity(nodeID: ids[$0], epoch: 1) }
        for i in 0..<n {
            switch mode {
            case .escrow:
                sidecars.append(SidecarSyncState(identity: peers[i], config: o.sync, membershipConfig: o.membership,
                                                 coordinators: coordIDs, peers: peers, seed: rng.next(), now: 0))
            case .baseline:
                sidecars.append(nil)
            }
            baseNodes.append(BaselineNode())
            wal.append(nil)
            q.push(Int64(rng.below(Int(o.tickInterval))), .tick(node: i, epoch: 1))
            scheduleArrival(i, after: 1_000_000_000)
        }
        // Every coordinator knows every budget (one shared configuration) and grants what it owns.
        for j in 0..<coordinatorSlots {
            let id = NodeIdentity(nodeID: ids[n + j], epoch: 1)
            coords.append(j < m ? Coordinator(identity: id, config: o.sync, coordinators: coordIDs, budgets: budgets,
                                              now: 0, learning: false) : nil)
            if j >= m { down[n + j] = true }
            aggregators.append(BaselineAggregator())
        }
        for t in stride(from: Int64(3_000_000_000), to: o.duration - 4_000_000_000, by: 6_000_000_000) { q.push(t, .marker) }
        scheduleFaults()
    }

    mutating func scheduleArrival(_ i: Int, after base: Int64 = 0) {
        let u = max(1e-12, rng.unit())
        let gap = Int64(-log(u) / rates[i] * 1e9)
        q.push(now + base + gap, .arrival(node: i))
    }

    // MARK: Faults

    mutating func scheduleFaults() {
        let f = o.faults
        let crash = f == .crash || f == .all
        let part = f == .partition || f == .all
        let slot: Int64 = 8_000_000_000
        var t: Int64 = 2_000_000_000
        var s = 0
        while t + slot <= o.duration - 3_000_000_000 {
            let crashSlot = f == .all ? (s % 2 == 0) : crash
            let partSlot = f == .all ? (s % 2 == 1) : part
            if crashSlot {
                let c = rng.below(m)
                let at = t + Int64(rng.below(1_000_000_000))
                let withSidecars = rng.chance(0.6) ? min(o.sync.custodians, n - 1) : 0
                q.push(at, .coordinatorCrash(c, down: 300_000_000 + Int64(rng.below(1_700_000_000)), sidecars: withSidecars))
                // lone sidecar crashes elsewhere in the slot
                for _ in 0..<max(1, n / 50) where n > 1 {
                    q.push(t + 4_000_000_000 + Int64(rng.below(3_000_000_000)),
                           .sidecarCrash(rng.below(n), down: 500_000_000 + Int64(rng.below(1_500_000_000))))
                }
            }
            if f == .failover {
                scheduleFailover(slot: s, at: t)
            } else if partSlot || (o.beyondK && crashSlot) {
                let size = max(1, Int(Double(n) * (0.1 + 0.3 * rng.unit())))
                var group = Set<Int>()
                while group.count < min(size, n) { group.insert(rng.below(n)) }
                let at = t + (o.beyondK ? 500_000_000 : Int64(rng.below(1_000_000_000)))
                let len = 2_000_000_000 + Int64(rng.below(4_000_000_000))
                q.push(at, .partition(group: group.sorted(), length: len))
                inPartitionWindow.append((at, at + len))
            }
            t += slot
            s += 1
        }
    }

    // MARK: Running

    mutating func run() {
        while let (t, e) = q.pop() {
            if t > o.duration { break }
            now = t
            if o.hashTrace { hashEvent(t, e) }
            handle(e)
        }
    }

    /// FNV-1a over every event's time and full description (messages included): two runs of
    /// one seed must produce the same value, not just the same summary figures.
    mutating func hashEvent(_ t: Int64, _ e: Event) {
        var h = traceHash
        func mix(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        withUnsafeBytes(of: t.littleEndian) { for b in $0 { mix(b) } }
        for b in "\(e)".utf8 { mix(b) }
        traceHash = h
    }

    mutating func handle(_ e: Event) {
        switch e {
        case .deliver(let to, let from, let p): deliver(to: to, from: from, p)
        case .tick(let i, let ep):
            guard !down[i], epochs[i] == ep else { return }
            tickSidecar(i)
            q.push(now + o.tickInterval, .tick(node: i, epoch: ep))
        case .arrival(let i):
            scheduleArrival(i)
            arrive(i)
        case .settle(let r): settle(r)
        case .coordinatorCrash(let c, let d, let k):
            // Armed: strike just after the coordinator's next grant, so the holder's lease is fresh.
            armed[c] = (d, k)
            q.push(now + 2_000_000_000, .armedCrash(c))
        case .strike(let c, let d, let k, let h): crashCoordinator(c, down: d, sidecars: k, holder: h)
        case .armedCrash(let c):
            if let (d, k) = armed[c] { armed[c] = nil; crashCoordinator(c, down: d, sidecars: k, holder: nil) }
        case .coordinatorRestart(let c): restartCoordinator(c)
        case .sidecarCrash(let i, let d):
            // At most k sidecar failures per repair window around a coordinator restart (the
            // stated assumption), unless deliberately testing beyond it.
            if !o.beyondK, let last = lastCoordinatorCrash, now - last < repairWindow {
                q.push(now + 2_000_000_000, .sidecarCrash(i, down: d))
            } else {
                crashSidecar(i, down: d)
            }
        case .sidecarRestart(let i): restartSidecar(i)
        case .partition(let g, let len):
            disturbMarkers()
            for i in g { side[i] = true }
            partitioned = true
            q.push(now + len, .heal)
        case .heal:
            for i in side.indices { side[i] = false }
            partitioned = false
        case .learningCheck(let c, let ep, let before, let diskLost):
            guard let co = coords[c], co.identity.epoch == ep else { return }
            let after = budgets.reduce(Int64(0)) { $0 + co.knownSpent($1.key) }
            if debugTrace {
                print("t=\(now / 1_000_000)ms learned c\(c)#\(ep) charge=\(budgets.map { co.ledger.totalCharge($0.key) }) truth=\(keys.map(\.committed))")
                for b in budgets { for e in co.ledger.entries(b.key) { print("   \(e.holder) \(e.issuer) g=\(e.granted) r=\(e.returned) s=\(e.spent)") } }
            }
            if diskLost { usageLostDiskLoss.append(max(0, before - after)) } else { usageLost.append(max(0, before - after)) }
        case .marker: startMarker()
        case .coordinatorLost(let c): loseCoordinator(c)
        case .setChange(let members, let join): changeSet(members, join: join)
        case .adoptSet(let c, let members, let t):
            guard var co = coords[c] else { return }
            co.setCoordinators(members, term: t, now: local(n + c))
            coords[c] = co
        }
    }

    // MARK: Network

    mutating func send(from: Int, to: Int, _ p: Payload) {
        messages += 1
        if down[from] { return }
        let lossy = o.faults == .loss || o.faults == .all
        if lossy && netRng.chance(o.lossRate) { return }
        var delay = o.latencyBase + Int64(netRng.below(Int(o.latencyJitter) + 1))
        if lossy && netRng.chance(o.longDelayRate) { delay += Int64(netRng.below(Int(o.sync.maxDelay - delay))) }
        q.push(now + delay, .deliver(to: to, from: from, p))
        if lossy && netRng.chance(o.duplicateRate) {
            q.push(now + delay + Int64(netRng.below(50_000_000)), .deliver(to: to, from: from, p))
        }
    }

    mutating func sendAll(from: Int, _ out: [OutboundMessage]) {
        for msg in out {
            guard let to = index[msg.to] else { continue }
            send(from: from, to: to, .sync(msg.message))
        }
    }

    mutating func deliver(to: Int, from: Int, _ p: Payload) {
        if down[to] { return }
        if partitioned && side[to] != side[from] { return }
        switch p {
        case .sync(let msg):
            if to == traceNode || from == traceNode, !isGossip(msg) { print("t=\(now / 1_000_000) \(ids[from])->\(ids[to]) \(msg)") }
            if isSidecar(to) {
                guard var s = sidecars[to] else { return }
                let out = s.receive(msg, now: local(to))
                if case .leaseGrant = msg { lastGrantAt[to] = now }
                sidecars[to] = s
                sendAll(from: to, out)
                checkMarkers(at: to)
                drain(to)
            } else {
                let c = to - n
                guard var co = coords[c] else { return }
                let out = co.receive(msg, now: local(to))
                if co.worstGrantOvercommit > 0 { invariantViolations += 1 }
                let grantTo = out.first { if case .leaseGrant = $0.message { true } else { false } }.flatMap { index[$0.to] }
                // Grants resume when the coordinator answers a lease request other than "learning".
                let answered = grantTo != nil || out.contains {
                    if case .leaseDenied(let d) = $0.message { d.reason != .learning } else { false }
                }
                if let r = restartAt[c], answered {
                    grantResume.append(now - r)
                    restartAt[c] = nil
                }
                coords[c] = co
                if let h = grantTo, let (d, k) = armed[c] {
                    armed[c] = nil
                    let delay = 2_000_000 + Int64(rng.below(40_000_000))
                    q.push(now + delay, .strike(c, down: d, sidecars: k, holder: h))
                }
                if isSidecar(from) { checkUsageMarks(sidecar: from, coordinator: c) }
                sendAll(from: to, out)
            }
        case .baseReport(let ep, let cum):
            let c = to - n
            let total = aggregators[c].report(node: from, epoch: ep, cumulative: cum)
            send(from: to, to: from, .baseTotal(total))
        case .baseTotal(let total):
            if baseNodes[to].lastSync <= now {
                baseNodes[to].globalAtSync = total
                baseNodes[to].ownAtSync = baseNodes[to].committed
            }
            drain(to)
        }
    }

    // MARK: Sidecars

    mutating func tickSidecar(_ i: Int) {
        switch mode {
        case .escrow:
            guard var s = sidecars[i] else { return }
            // The simulated group commit is instant: the record is durable at once.
            let record = s.checkpoint()
            s.walCommitted(record.seq)
            wal[i] = record
            let out = s.tick(now: local(i))
            sidecars[i] = s
            sendAll(from: i, out)
        case .baseline:
            if now - baseNodes[i].lastSync >= o.baselineSyncInterval {
                baseNodes[i].lastSync = now
                let owner = n + rng.below(m)
                send(from: i, to: owner, .baseReport(epoch: epochs[i], cumulative: baseNodes[i].committed))
            }
        }
        drain(i)
    }

    mutating func arrive(_ i: Int) {
        guard !down[i] else { return }
        let k = rng.below(keys.count)
        let reserved = max(1, o.meanReservation / 2 + Int64(rng.below(Int(o.meanReservation) + 1)))
        let actual = max(1, Int64(Double(reserved) * (0.2 + 0.8 * rng.unit())))
        requests.append(Request(node: i, epoch: epochs[i], key: k, reserved: reserved, actual: actual, arrival: now))
        if waiting[i].count < keys.count {
            waiting[i] += Array(repeating: [], count: keys.count - waiting[i].count)
        }
        waiting[i][k].append(requests.count - 1)
        drain(i)
    }

    /// Retries every waiting request, each key's in arrival order.
    mutating func drain(_ i: Int) {
        for k in waiting[i].indices { drain(i, key: k) }
    }

    mutating func drain(_ i: Int, key k: Int) {
        guard !down[i] else { return }
        let queued = waiting[i][k]
        var still: [Int] = []
        var next = 0
        // Whatever was not tried (a crash or a missing state machine ends the pass) stays queued.
        defer { if !down[i] { waiting[i][k] = still + queued[next...] } }
        while next < queued.count {
            guard !down[i] else { return }
            let r = queued[next]
            let req = requests[r]
            var result: SyncAdmission
            switch mode {
            case .escrow:
                guard var s = sidecars[i] else { return }
                result = s.tryAdmit(keys[k].scope, amount: req.reserved, now: local(i), waitingSince: local(i) - (now - req.arrival))
                let out = s.takeOutbound()
                sidecars[i] = s
                sendAll(from: i, out)
            case .baseline:
                result = baseNodes[i].admits(req.reserved, limit: keys[k].limit) ? .admitted(LeaseTicket(id: 0)) : .refused(.exhausted)
                if case .admitted = result { baseNodes[i].committed += req.reserved }
            }
            switch result {
            case .admitted(let t):
                requests[r].ticket = t
                // Steady state only: not the cold start, not the last 20% of the budget (end-game).
                if req.arrival > 2_000_000_000 && keys[k].committed < keys[k].limit * 4 / 5 {
                    admissions += 1
                    if now > req.arrival { admissionWaits.append(now - req.arrival) }
                }
                requests[r].admitted = true
                requests[r].beforeFirstBad = keys[k].firstBadRefusal == nil
                keys[k].committed += req.reserved
                noteCommitted(k, i, req.epoch, req.reserved)
                keys[k].peakCommitted = max(keys[k].peakCommitted, keys[k].committed)
                q.push(now + 200_000_000 + Int64(rng.below(2_800_000_000)), .settle(request: r))
            case .refused(let why):
                refuse(r, counts: why != .coordinatorUnreachable, why: "\(why)")
            case .wait:
                if now - req.arrival > o.maxWait { refuse(r, counts: true, why: "timeout") } else { still.append(r) }
            }
            next += 1
        }
    }

    func isGossip(_ m: SyncMessage) -> Bool {
        switch m {
        case .ping, .pingAck, .pingReq, .gossip, .pushPull: true
        default: false
        }
    }

    mutating func refuse(_ r: Int, counts: Bool, why: String) {
        let req = requests[r]
        requests[r].done = true
        keys[req.key].refusals += 1
        noteRefusal(r, counts: counts, why: why)
        let remaining = keys[req.key].limit - keys[req.key].committed
        if counts && remaining >= req.reserved {
            keys[req.key].badRefusals += 1
            if keys[req.key].firstBadRefusal == nil {
                keys[req.key].firstBadRefusal = now
                keys[req.key].committedAtFirstBad = keys[req.key].committed
                if debugTrace { print("seed=\(seed) first bad refusal t=\(now / 1_000_000)ms node=\(req.node) why=\(why) amount=\(req.reserved) remaining=\(remaining) limit=\(keys[req.key].limit) committed=\(keys[req.key].committed) waited=\((now - req.arrival) / 1_000_000)ms coordRemaining=\(coords.compactMap { $0?.remaining(budgets[req.key].key) }) balances=\(sidecars.map { s in s.map { s in s.leases(keys[req.key].scope).map { "\($0.available)\($0.isReserve ? "r" : "")\($0.activated ? "" : "!")" } } ?? [] }) inflight=\(requests.filter { $0.admitted && !$0.done && $0.key == req.key }.reduce(Int64(0)) { $0 + $1.reserved })") }
            }
        }
    }

    mutating func settle(_ r: Int) {
        let req = requests[r]
        guard !requests[r].done, epochs[req.node] == req.epoch, !down[req.node] else { return }
        requests[r].done = true
        keys[req.key].committed -= req.reserved - req.actual
        noteCommitted(req.key, req.node, req.epoch, -(req.reserved - req.actual))
        switch mode {
        case .escrow:
            guard var s = sidecars[req.node] else { return }
            s.settle(keys[req.key].scope, ticket: req.ticket, reserved: req.reserved, actual: req.actual, now: local(req.node))
            if usageMarks[req.node].count < 32 && rng.chance(0.2) {
                usageMarks[req.node].append((now, req.key, s.settledSpent(keys[req.key].scope)))
            }
            sidecars[req.node] = s
        case .baseline:
            baseNodes[req.node].committed -= req.reserved - req.actual
        }
    }

    // MARK: Crashes

    mutating func crashSidecar(_ i: Int, down d: Int64) {
        guard !down[i] else { return }
        disturbMarkers()
        sidecarCrashes += 1
        sidecarCrashTimes.append(now)
        liveSidecars -= 1
        down[i] = true
        sidecars[i] = nil
        // In-flight requests were forwarded: ground truth charges their full reservation.
        // Waiting ones die with the process (not a budget refusal).
        for k in waiting[i].indices {
            for r in waiting[i][k] { requests[r].done = true }
        }
        waiting[i] = []
        usageMarks[i] = []
        q.push(now + d, .sidecarRestart(i))
    }

    mutating func restartSidecar(_ i: Int) {
        disturbMarkers()
        down[i] = false
        liveSidecars += 1
        epochs[i] += 1
        let me = NodeIdentity(nodeID: ids[i], epoch: epochs[i])
        let peers = (0..<n).filter { $0 != i }.map { NodeIdentity(nodeID: ids[$0], epoch: epochs[$0]) }
        switch mode {
        case .escrow:
            sidecars[i] = SidecarSyncState(identity: me, config: o.sync, membershipConfig: o.membership, coordinators: coordSet,
                                           peers: peers, seed: rng.next(), now: local(i), recovering: wal[i])
        case .baseline:
            baseNodes[i] = BaselineNode()
        }
        q.push(now + o.tickInterval, .tick(node: i, epoch: epochs[i]))
    }

    mutating func crashCoordinator(_ c: Int, down d: Int64, sidecars k: Int, holder: Int?) {
        let idx = n + c
        guard !down[idx], let co = coords[c] else { return }
        coordinatorCrashes += 1
        lastCoordinatorCrash = now
        if debugTrace {
            print("t=\(now / 1_000_000)ms crash c\(c) holder=\(holder.map(String.init) ?? "-") k=\(k) charge=\(budgets.map { co.ledger.totalCharge($0.key) }) truth=\(keys.map(\.committed))")
            for b in budgets { for e in co.ledger.entries(b.key) { print("   \(e.holder) \(e.issuer) g=\(e.granted) r=\(e.returned) s=\(e.spent)") } }
        }
        var diskLost = false
        let before = budgets.reduce(Int64(0)) { $0 + co.knownSpent($1.key) }
        down[idx] = true
        coords[c] = nil
        q.push(now + d, .coordinatorRestart(c))
        // Together with up to k sidecars holding the freshest leases.
        // The holder of the grant just issued first; half the time its disk (WAL) is gone too,
        // as when a pod is replaced, so only custodians still know the grant.
        var fresh = (0..<n).filter { !down[$0] && $0 != holder }.sorted { lastGrantAt[$0] > lastGrantAt[$1] }
        if let h = holder, !down[h] { fresh.insert(h, at: 0) }
        // Sidecars that failed within the repair window count against k too.
        let recent = o.beyondK ? 0 : sidecarCrashTimes.filter { now - $0 < repairWindow }.count
        let allowed = o.beyondK ? k + 1 : max(0, k - recent)
        for i in fresh.prefix(allowed) {
            let loseDisk = rng.chance(0.5)
            if loseDisk { diskLost = true }
            if debugTrace { print("   with s\(i) loseDisk=\(loseDisk)") }
            crashSidecar(i, down: d + Int64(rng.below(1_000_000_000)))
            if loseDisk { wal[i] = nil; diskLostIdentities.insert(NodeIdentity(nodeID: ids[i], epoch: epochs[i])) }
        }
        pendingBefore = before
        pendingDiskLost = diskLost
    }

    var pendingBefore: Int64 = 0
    var armed: [Int: (Int64, Int)] = [:]
    var pendingDiskLost = false
    var lastCoordinatorCrash: Int64?
    var sidecarCrashTimes: [Int64] = []
    var repairWindow: Int64 { 2_000_000_000 + o.sync.coordinatorExpiry + 2 * o.sync.refreshInterval }
    var usageLostDiskLoss: [Int64] = []
    var liveSidecars = 0
    var keyOwner: [Int] = []   // key index -> coordinator index
    /// The coordinator set as the control plane has it, and its term (failover).
    var coordSet: [String] = []
    var setTerm: UInt64 = 0
    var ownershipMoves = 0
    var debugTrace = false
    var traceNode = -1

    mutating func restartCoordinator(_ c: Int) {
        let idx = n + c
        down[idx] = false
        epochs[idx] += 1
        let id = NodeIdentity(nodeID: ids[idx], epoch: epochs[idx])
        let co = Coordinator(identity: id, config: o.sync, coordinators: coordSet, budgets: budgets,
                             now: local(idx), learning: true, term: setTerm)
        coords[c] = co
        restartAt[c] = now
        q.push(now + o.sync.coordinatorExpiry * 1_000_000 / (1_000_000 + drift[idx]) + 1,
               .learningCheck(coordinator: c, epoch: id.epoch, knownBefore: pendingBefore, diskLost: pendingDiskLost))
    }

    // MARK: Markers

    mutating func disturbMarkers() {
        for mi in markers.indices where markers[mi].tFull == nil { markers[mi].disturbed = true }
    }

    mutating func startMarker() {
        guard mode == .escrow else { return }
        let live = (0..<n).filter { !down[$0] && sidecars[$0] != nil }
        guard let origin = live.isEmpty ? nil : live[rng.below(live.count)] else { return }
        markerVersion += 1
        let d = BudgetDefinitions(coordinator: NodeIdentity(nodeID: "sim-marker", epoch: 1), version: markerVersion, budgets: [])
        sidecars[origin]!.membership.publish(d)
        let scope = keys[rng.below(keys.count)].scope
        var mk = GossipMarker(start: now, version: markerVersion, reached: Array(repeating: false, count: n), origin: origin,
                              usageTarget: sidecars[origin]!.settledSpent(scope), usageScope: scope,
                              usageReached: Array(repeating: false, count: n))
        mk.reached[origin] = true
        mk.count = 1
        mk.usageReached[origin] = true
        mk.disturbed = partitioned || (0..<n).contains { down[$0] }
        mk.usageCount = 1
        if mk.usageTarget == 0 { mk.usageCount = n; mk.usage99 = 0 }
        markers.append(mk)
    }

    mutating func checkMarkers(at j: Int) {
        guard let s = sidecars[j] else { return }
        for mi in markers.indices where markers[mi].tFull == nil || markers[mi].usage99 == nil {
            if !markers[mi].reached[j], (s.membership.budgets["sim-marker"]?.version ?? 0) >= markers[mi].version {
                markers[mi].reached[j] = true
                markers[mi].count += 1
                let live = liveSidecars
                if markers[mi].t99 == nil && markers[mi].count * 100 >= live * 99 { markers[mi].t99 = now - markers[mi].start }
                if markers[mi].count >= live { markers[mi].tFull = now - markers[mi].start }
            }
            if !markers[mi].usageReached[j], let u = s.membership.usage[ids[markers[mi].origin]],
               u.items.contains(where: { $0.key.scope == markers[mi].usageScope && $0.spent >= markers[mi].usageTarget }) {
                markers[mi].usageReached[j] = true
                markers[mi].usageCount += 1
                let live = liveSidecars
                if markers[mi].usage99 == nil && markers[mi].usageCount * 100 >= live * 99 {
                    markers[mi].usage99 = now - markers[mi].start
                }
            }
        }
    }

    mutating func checkUsageMarks(sidecar i: Int, coordinator c: Int) {
        guard !usageMarks[i].isEmpty, let co = coords[c] else { return }
        let me = NodeIdentity(nodeID: ids[i], epoch: epochs[i])
        var kept: [(Int64, Int, Int64)] = []
        for mk in usageMarks[i] {
            let key = budgets[mk.1].key
            guard keyOwner[mk.1] == c else { kept.append(mk); continue }
            if co.ledger.spent(key: key, holder: me) >= mk.2 { usageToCoordinator.append(now - mk.0) } else { kept.append(mk) }
        }
        usageMarks[i] = kept
    }
}


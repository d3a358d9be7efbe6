extension ByteWriter {
    mutating func node(_ n: NodeIdentity) { string(n.nodeID); uvar(n.epoch) }
    mutating func key(_ k: BudgetKey) { string(k.scope); uvar(k.window) }

    mutating func entry(_ e: LedgerEntry) {
        key(e.key); node(e.holder); node(e.issuer); svar(e.granted); svar(e.returned); svar(e.spent)
    }

    mutating func entries(_ es: [LedgerEntry]) { count(es.count); for e in es { entry(e) } }

    mutating func budget(_ b: ClusterBudget) {
        string(b.scope); uvar(b.window); svar(b.limit); u8(b.policy.rawValue); svar(b.reservePerNode); uvar(b.version)
    }

    mutating func definitions(_ d: BudgetDefinitions) {
        node(d.coordinator); uvar(d.version); count(d.budgets.count); for b in d.budgets { budget(b) }
        uvar(d.term); count(d.members.count); for m in d.members { string(m) }
    }

    mutating func update(_ u: GossipUpdate) {
        switch u {
        case .member(let m):
            u8(1); node(m.node); uvar(m.incarnation); u8(m.state.rawValue)
        case .usage(let s):
            u8(2); node(s.origin); uvar(s.version); count(s.items.count)
            for i in s.items { key(i.key); svar(i.spent) }
        case .budget(let d):
            u8(3); definitions(d)
        }
    }

    mutating func updates(_ us: [GossipUpdate]) { count(us.count); for u in us { update(u) } }

    mutating func body(_ m: SyncMessage) {
        switch m {
        case .leaseRequest(let r):
            key(r.key); node(r.holder); uvar(r.requestID); svar(r.need); svar(r.ratePerSecond); bool(r.wantsReserve); entries(r.entries); uvar(r.term)
        case .leaseGrant(let g):
            key(g.key); node(g.holder); uvar(g.requestID); node(g.issuer); svar(g.amount); svar(g.granted); svar(g.ttl)
            bool(g.isReserve); bool(g.tight); svar(g.remaining); uvar(g.term)
        case .leaseDenied(let d):
            key(d.key); node(d.holder); uvar(d.requestID); node(d.issuer); u8(d.reason.rawValue); svar(d.remaining); svar(d.reclaimable); svar(d.retryAfter)
        case .leaseReturn(let r):
            node(r.holder); entries(r.entries)
        case .usageReport(let r):
            node(r.sender); uvar(r.seq); uvar(r.budgetsVersion); entries(r.entries); entries(r.custody); uvar(r.term)
        case .reportAck(let a):
            node(a.coordinator); uvar(a.seq); bool(a.learning); uvar(a.budgetsVersion); count(a.tightKeys.count)
            for k in a.tightKeys { key(k) }
            entries(a.custody)
        case .budgetDefinitions(let d):
            definitions(d)
        case .leaseAnnounce(let a):
            node(a.holder); uvar(a.token); entry(a.entry)
        case .leaseAck(let a):
            node(a.from); uvar(a.token)
        case .ping(let p):
            node(p.from); uvar(p.seq); string(p.relayTo); uvar(p.relaySeq); updates(p.updates)
        case .pingAck(let a):
            node(a.from); node(a.target); uvar(a.seq); updates(a.updates)
        case .pingReq(let p):
            node(p.from); string(p.target); uvar(p.seq)
        case .gossip(let g):
            node(g.from); updates(g.updates)
        case .pushPull(let p):
            node(p.from); bool(p.isReply); count(p.digest.count)
            for d in p.digest { node(d.node); uvar(d.incarnation); u8(d.state.rawValue); uvar(d.usageVersion) }
            updates(p.updates)
        }
    }
}

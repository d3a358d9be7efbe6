import Testing
@testable import TollgateSync

struct UsageLedgerTests {
    /// Merging is by max per counter: duplicates and stale copies change nothing.
    @Test func idempotentAndMonotonic() {
        var l = UsageLedger()
        l.merge(Fx.entry)
        let charge = l.totalCharge(Fx.key)
        #expect(charge == 3800)                 // max(5000 - 1200, 3100)
        #expect(l.merge(Fx.entry) == false)
        var stale = Fx.entry
        stale.granted = 1000; stale.returned = 0; stale.spent = 10
        #expect(l.merge(stale) == false)
        #expect(l.totalCharge(Fx.key) == charge)
        #expect(l.totalSpent(Fx.key) == 3100)
    }

    /// Any order of the same updates gives the same totals.
    @Test func orderIndependent() {
        var rng = SeededRandom(seed: 3)
        var updates: [LedgerEntry] = []
        for i in 1...40 {
            var e = Fx.entry
            e.holder = NodeIdentity(nodeID: "s\(i % 5)", epoch: 1)
            e.issuer = NodeIdentity(nodeID: "c0", epoch: UInt64(i % 2))
            e.granted = Int64(100 * i); e.returned = Int64(10 * i); e.spent = Int64(20 * i)
            updates.append(e)
        }
        var a = UsageLedger()
        for e in updates { a.merge(e) }
        for _ in 0..<5 {
            var shuffled = updates
            var i = shuffled.count - 1
            while i > 0 { shuffled.swapAt(i, rng.below(i + 1)); i -= 1 }
            var b = UsageLedger()
            for e in shuffled + shuffled.prefix(7) { b.merge(e) }
            #expect(b.totalCharge(Fx.key) == a.totalCharge(Fx.key))
            #expect(b.totalSpent(Fx.key) == a.totalSpent(Fx.key))
        }
    }

    /// A holder is charged its unreturned escrow across issuers, or its spend if larger.
    @Test func chargeAcrossIssuers() {
        var l = UsageLedger()
        let g1 = l.grant(key: Fx.key, holder: Fx.s1, issuer: Fx.c0, amount: 300)
        let g2 = l.grant(key: Fx.key, holder: Fx.s1, issuer: Fx.c0, amount: 200)
        #expect(g1 == 300 && g2 == 500)
        l.merge(LedgerEntry(key: Fx.key, holder: Fx.s1, issuer: NodeIdentity(nodeID: "c0", epoch: 3), granted: 100, returned: 0, spent: 0))
        #expect(l.charge(key: Fx.key, holder: Fx.s1) == 600)
        l.merge(LedgerEntry(key: Fx.key, holder: Fx.s1, issuer: Fx.c0, granted: 500, returned: 450, spent: 900))
        #expect(l.charge(key: Fx.key, holder: Fx.s1) == 900)   // fail-open spend beyond escrow
    }
}

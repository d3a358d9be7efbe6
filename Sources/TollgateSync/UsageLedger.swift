/// The coordinator's (and a custodian's) view of escrow and usage: per key, per holder
/// (node, epoch), per issuing coordinator epoch, the max-merged counters of `LedgerEntry`.
/// Keeps per-key totals incrementally so the invariant check is O(1).
public struct UsageLedger: Sendable {
    struct Counters: Sendable { var granted: Int64 = 0; var returned: Int64 = 0 }

    struct HolderAccount: Sendable {
        var spent: Int64 = 0
        var issuers: [NodeIdentity: Counters] = [:]
        var charge: Int64 = 0

        func computeCharge() -> Int64 {
            var escrow: Int64 = 0
            for c in issuers.values { escrow += max(0, c.granted - c.returned) }
            return max(escrow, spent)
        }
    }

    struct KeyAccount: Sendable {
        var holders: [NodeIdentity: HolderAccount] = [:]
        var totalCharge: Int64 = 0
        var totalSpent: Int64 = 0
    }

    private var keys: [BudgetKey: KeyAccount] = [:]

    public init() {}

    /// Merges one entry by max per counter. Returns true when anything grew.
    @discardableResult
    public mutating func merge(_ e: LedgerEntry) -> Bool {
        var k = keys[e.key] ?? KeyAccount()
        var h = k.holders[e.holder] ?? HolderAccount()
        var c = h.issuers[e.issuer] ?? Counters()
        let changed = e.granted > c.granted || e.returned > c.returned || e.spent > h.spent
        if !changed && k.holders[e.holder] != nil && h.issuers[e.issuer] != nil { return false }
        c.granted = max(c.granted, e.granted)
        c.returned = max(c.returned, e.returned)
        h.issuers[e.issuer] = c
        k.totalSpent += max(0, e.spent - h.spent)
        h.spent = max(h.spent, e.spent)
        let newCharge = h.computeCharge()
        k.totalCharge += newCharge - h.charge
        h.charge = newCharge
        k.holders[e.holder] = h
        keys[e.key] = k
        return changed
    }

    /// Records a grant by `issuer` to `holder`: granted grows by `amount`. Returns the new cumulative.
    public mutating func grant(key: BudgetKey, holder: NodeIdentity, issuer: NodeIdentity, amount: Int64) -> Int64 {
        let cur = counters(key: key, holder: holder, issuer: issuer)
        let e = LedgerEntry(key: key, holder: holder, issuer: issuer, granted: cur.granted + amount,
                            returned: cur.returned, spent: spent(key: key, holder: holder))
        merge(e)
        return e.granted
    }

    /// Sum over holders of what each may still spend or has spent: the escrow side of the invariant.
    public func totalCharge(_ key: BudgetKey) -> Int64 { keys[key]?.totalCharge ?? 0 }
    /// Sum of settled spend reported by holders.
    public func totalSpent(_ key: BudgetKey) -> Int64 { keys[key]?.totalSpent ?? 0 }

    public func counters(key: BudgetKey, holder: NodeIdentity, issuer: NodeIdentity) -> (granted: Int64, returned: Int64) {
        let c = keys[key]?.holders[holder]?.issuers[issuer]
        return (c?.granted ?? 0, c?.returned ?? 0)
    }

    public func spent(key: BudgetKey, holder: NodeIdentity) -> Int64 { keys[key]?.holders[holder]?.spent ?? 0 }
    public func charge(key: BudgetKey, holder: NodeIdentity) -> Int64 { keys[key]?.holders[holder]?.charge ?? 0 }

    // Lists come out sorted: messages built from them must not depend on dictionary order.
    public var budgetKeys: [BudgetKey] { keys.keys.sorted() }
    public func holders(_ key: BudgetKey) -> [NodeIdentity] { keys[key].map { $0.holders.keys.sorted() } ?? [] }

    /// All entries known for `key`, optionally only one holder's.
    public func entries(_ key: BudgetKey, holder: NodeIdentity? = nil) -> [LedgerEntry] {
        guard let k = keys[key] else { return [] }
        var out: [LedgerEntry] = []
        func add(_ hid: NodeIdentity, _ h: HolderAccount) {
            for (iid, c) in h.issuers.sorted(by: { $0.key < $1.key }) {
                out.append(LedgerEntry(key: key, holder: hid, issuer: iid, granted: c.granted, returned: c.returned, spent: h.spent))
            }
        }
        if let holder {
            if let h = k.holders[holder] { add(holder, h) }
        } else {
            for (hid, h) in k.holders.sorted(by: { $0.key < $1.key }) { add(hid, h) }
        }
        return out
    }

    /// All entries, every key.
    public var allEntries: [LedgerEntry] { budgetKeys.flatMap { entries($0) } }

    /// Drops every key of a closed window.
    public mutating func removeKey(_ key: BudgetKey) { keys[key] = nil }
}

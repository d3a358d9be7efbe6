/// One holder's escrow counters for one key and one issuing coordinator epoch. Every field is a
/// cumulative, monotonically growing counter, so entries merge by maximum per field: duplicates,
/// reordering and gossip from many paths never double count, and a stale copy never lowers a value.
///
/// - `granted`: total the issuer has granted this holder (the top of the holder's lease ranges).
/// - `returned`: total the holder has handed back unspent (a promise never to spend it).
/// - `spent`: the holder's settled spend on the key across all issuers (same value in each of
///   its entries for that key), reported after its WAL write.
/// The holder may spend at most `sum(granted - returned)` over issuers; the coordinator charges it
/// `max(sum(granted - returned), spent)`.
public struct LedgerEntry: Sendable, Hashable {
    public var key: BudgetKey
    public var holder: NodeIdentity
    public var issuer: NodeIdentity
    public var granted: Int64
    public var returned: Int64
    public var spent: Int64

    public init(key: BudgetKey, holder: NodeIdentity, issuer: NodeIdentity, granted: Int64, returned: Int64, spent: Int64) {
        self.key = key
        self.holder = holder
        self.issuer = issuer
        self.granted = granted
        self.returned = returned
        self.spent = spent
    }

    /// Unreturned escrow under this entry (never negative).
    public var unreturned: Int64 { max(0, granted - returned) }
}

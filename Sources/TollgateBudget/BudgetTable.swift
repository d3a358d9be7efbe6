/// An immutable set of budget cells, sorted by lock order. Replaced whole when the config
/// changes; readers keep using the table they hold, so matching needs no lock.
public struct BudgetTable: Sendable {
    public let version: UInt64
    public let cells: [BudgetCell]
    let byID: [String: BudgetCell]

    init(version: UInt64, cells: [BudgetCell]) {
        self.version = version
        self.cells = cells.sorted { $0.lockOrder < $1.lockOrder }
        var map: [String: BudgetCell] = [:]
        for c in self.cells { map[c.id] = c }
        byID = map
    }

    public func cell(_ id: String) -> BudgetCell? { byID[id] }

    /// The budgets that apply to `subject`, already in lock order.
    public func matching(_ subject: BudgetSubject) -> [BudgetCell] {
        cells.filter { $0.scope.matches(subject) }
    }
}

/// A per-event-loop cache of the engine's table: one relaxed-cost atomic load per request
/// instead of a shared lock. Not Sendable on purpose: each loop owns one.
public struct BudgetTableCache {
    private var table: BudgetTable?

    public init() {}

    public mutating func current(_ engine: BudgetEngine) -> BudgetTable {
        if let t = table, t.version == engine.tableVersion { return t }
        let t = engine.table()
        table = t
        return t
    }
}

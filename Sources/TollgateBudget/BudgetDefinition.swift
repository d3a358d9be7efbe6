/// One configured budget: a limit of `unit` over `window` for the traffic in `scope`.
public struct BudgetDefinition: Sendable, Hashable {
    /// Stable identifier: names the budget in refusals, the WAL, the admin API and sync.
    public var id: String
    public var scope: BudgetScope
    public var unit: BudgetUnit
    public var window: BudgetWindow
    /// In the unit's integer measure (tokens, requests, micro-dollars, concurrent streams).
    public var limit: Int64
    public var mode: BudgetMode
    /// The smallest max_tokens worth forwarding: when clamping to what remains would leave less
    /// than this, the request is refused instead of being answered with a stub.
    public var minimumGrant: Int64

    public init(id: String, scope: BudgetScope = .global, unit: BudgetUnit, window: BudgetWindow,
                limit: Int64, mode: BudgetMode = .hard, minimumGrant: Int64 = 16) {
        self.id = id
        self.scope = scope
        self.unit = unit
        // A concurrency limit is a gauge: it has no period, whatever was configured.
        self.window = unit == .concurrent ? .lifetime : window
        self.limit = limit
        self.mode = mode
        self.minimumGrant = minimumGrant
    }

    /// Rate windows and concurrency limits are "rate limits" (retry soon); calendar and lifetime
    /// budgets on anything else are "budgets" (retry after the reset). Picks the error code.
    public var isRateLimit: Bool { window.isRate || unit == .concurrent }
}

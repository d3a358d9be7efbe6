import TollgateBudget
import TollgateLLM
import TollgateTransport

/// What every loop shares: thread-safe sinks, the budget engine and immutable tables. Built once
/// at start.
final class SidecarServices: Sendable {
    let usageLog: UsageLog?
    let usageMetrics = UsageMetrics()
    let prices: ModelPriceTable
    /// Present when budgets are configured (`--budget`).
    let budgets: BudgetEngine?
    /// The engine with its WAL (`--data-dir`), when budgets are configured.
    let budgetStore: BudgetStore?

    init(options: SidecarOptions) throws(ConfigError) {
        usageLog = try options.usageLogPath.map { (p) throws(ConfigError) in try UsageLog(path: p) }
        prices = ModelPriceTable.builtIn
        budgetStore = options.budgets.isEmpty ? nil : try BudgetStore(
            definitions: options.budgets, dataDir: options.dataDir, syncInterval: options.walSyncInterval, now: MonotonicClock.wallNanos())
        budgets = budgetStore?.engine
        if options.budgets.isEmpty, let dir = options.dataDir { Log.warning("--data-dir \(dir): no budgets configured, nothing to journal") }
    }

    /// The filters for one exchange, in order.
    func makeFilters() -> [any ExchangeFilter] {
        let llm = LLMAccountingFilter(services: self)
        guard let budgets else { return [llm] }
        return [llm, BudgetFilter(engine: budgets, llm: llm)]
    }
}

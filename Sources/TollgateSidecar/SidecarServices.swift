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
    /// Present when a coordinator is configured (`--coordinator`): cluster budgets.
    let cluster: ClusterBudgets?

    init(options: SidecarOptions) throws(ConfigError) {
        usageLog = try options.usageLogPath.map { (p) throws(ConfigError) in try UsageLog(path: p) }
        prices = ModelPriceTable.builtIn
        budgets = options.budgets.isEmpty ? nil : BudgetEngine(options.budgets, now: MonotonicClock.wallNanos())
        cluster = options.cluster.isEnabled ? try ClusterBudgets(options: options.cluster) : nil
        cluster?.start()
    }

    /// The filters for one exchange, in order.
    func makeFilters() -> [any ExchangeFilter] {
        let llm = LLMAccountingFilter(services: self)
        var filters: [any ExchangeFilter] = [llm]
        if let budgets { filters.append(BudgetFilter(engine: budgets, llm: llm)) }
        if let cluster { filters.append(ClusterBudgetFilter(cluster: cluster, llm: llm)) }
        return filters
    }
}

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
    /// Present when the egress proxy is on (Egress/EgressServices.swift).
    let egress: EgressServices?

    init(options: SidecarOptions) throws(ConfigError) {
        usageLog = try options.usageLogPath.map { (p) throws(ConfigError) in try UsageLog(path: p) }
        prices = ModelPriceTable.builtIn
        budgets = options.budgets.isEmpty ? nil : BudgetEngine(options.budgets, now: MonotonicClock.wallNanos())
        egress = options.egress.enabled ? try EgressServices(settings: options.egress) : nil
    }

    /// The filters for one exchange, in order.
    func makeFilters() -> [any ExchangeFilter] {
        let llm = LLMAccountingFilter(services: self)
        guard let budgets else { return [llm] }
        return [llm, BudgetFilter(engine: budgets, llm: llm)]
    }
}

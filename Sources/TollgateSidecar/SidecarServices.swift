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
    /// Present when MCP servers are configured.
    let mcp: MCPServices?

    init(options: SidecarOptions) throws(ConfigError) {
        usageLog = try options.usageLogPath.map { (p) throws(ConfigError) in try UsageLog(path: p) }
        prices = ModelPriceTable.builtIn
        budgets = options.budgets.isEmpty ? nil : BudgetEngine(options.budgets, now: MonotonicClock.wallNanos())
        mcp = options.mcp.isEnabled ? try MCPServices(settings: options.mcp, usageLog: usageLog) : nil
    }

    /// The filters for one exchange, in order.
    func makeFilters() -> [any ExchangeFilter] {
        let llm = LLMAccountingFilter(services: self)
        var chain: [any ExchangeFilter] = [llm]
        if let mcp { chain.insert(MCPFilter(services: mcp), at: 0) }
        if let budgets { chain.append(BudgetFilter(engine: budgets, llm: llm)) }
        return chain
    }
}

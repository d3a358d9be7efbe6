import TollgateLLM

/// What every loop shares: thread-safe sinks and immutable tables. Built once at start.
final class SidecarServices: Sendable {
    let usageLog: UsageLog?
    let usageMetrics = UsageMetrics()
    let prices: ModelPriceTable

    init(options: SidecarOptions) throws(ConfigError) {
        usageLog = try options.usageLogPath.map { (p) throws(ConfigError) in try UsageLog(path: p) }
        prices = ModelPriceTable.builtIn
    }

    /// The filters for one exchange, in order.
    func makeFilters() -> [any ExchangeFilter] {
        [LLMAccountingFilter(services: self)]
    }
}

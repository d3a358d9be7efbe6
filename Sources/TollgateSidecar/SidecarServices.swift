import Synchronization
import TollgateBudget
import TollgateLLM
import TollgateTransport

/// What every loop shares: thread-safe sinks, the budget engine and the current gateway
/// policy. Built once at start; the policy and the budget table are replaced on reload.
final class SidecarServices: Sendable {
    let usageLog: UsageLog?
    let usageMetrics = UsageMetrics()
    /// Present when budgets are configured (`--budget` or a config file).
    let budgets: BudgetEngine?
    /// Present when MCP servers are configured, or a config file could add them on reload.
    let mcp: MCPServices?
    /// The engine with its WAL (`--data-dir`), when budgets are configured.
    let budgetStore: BudgetStore?
    private let policyBox: Mutex<GatewayPolicy>
    private let version = Atomic<UInt64>(1)
    /// Breakers by deployment id, carried across reloads.
    private let health: Mutex<[String: DeploymentHealth]>
    /// The budgets given as flags; a reload installs them beside the file's.
    private let flagBudgets: [BudgetDefinition]
    /// Present when the egress proxy is on (Egress/EgressServices.swift).
    let egress: EgressServices?
    /// Present when a coordinator is configured (`--coordinator`): cluster budgets.
    let cluster: ClusterBudgets?
    /// DNS for configured upstreams that did not resolve when the policy was built.
    let resolver = EgressResolver(overrides: [:])

    /// `usageMetrics.record(...)`, per request: called as `services.usageMetrics.record` from a
    /// filter it retained and released the metrics around the call. Not inlined (see
    /// `LoopContext.addDeadline`).
    @inline(never) func recordUsage(model: String?, team: String?, key: String?, usage: Usage, costMicros: Int64) {
        usageMetrics.record(model: model, team: team, key: key, usage: usage, costMicros: costMicros)
    }

    init(options: SidecarOptions, file: SidecarConfigFile?) throws(ConfigError) {
        usageLog = try options.usageLogPath.map { (p) throws(ConfigError) in try UsageLog(path: p, maxBytes: Int64(options.usageLogMaxBytes)) }
        var registry: [String: DeploymentHealth] = [:]
        let policy = try GatewayPolicy.build(file: file, options: options, version: 1, health: &registry)
        policyBox = Mutex(policy)
        health = Mutex(registry)
        flagBudgets = options.budgets
        let all = options.budgets + (file?.budgets ?? [])
        budgetStore = (all.isEmpty && file == nil) ? nil : try BudgetStore(
            definitions: all, dataDir: options.dataDir, syncInterval: options.walSyncInterval, now: MonotonicClock.wallNanos())
        budgets = budgetStore?.engine
        if budgetStore == nil, let dir = options.dataDir { Log.warning("--data-dir \(dir): no budgets configured, nothing to journal") }
        mcp = options.mcp.isEnabled || options.configPath != nil ? try MCPServices(settings: options.mcp, usageLog: usageLog) : nil
        egress = options.egress.enabled ? try EgressServices(options: options) : nil
        var clusterOptions = options.cluster
        if clusterOptions.dataDir == nil { clusterOptions.dataDir = options.dataDir }
        cluster = clusterOptions.isEnabled ? try ClusterBudgets(options: clusterOptions) : nil
        cluster?.start()
    }

    var policyVersion: UInt64 { version.load(ordering: .acquiring) }
    var policy: GatewayPolicy { policyBox.withLock { $0 } }

    /// Installs a reloaded configuration: builds the new policy off the loops (DNS, CA files)
    /// and swaps it in; a failure leaves the running policy untouched.
    func reload(file: SidecarConfigFile, options: SidecarOptions) throws(ConfigError) {
        // Coordinators named by the file must resolve (ClusterBudgets+Reload.swift); nothing changes otherwise.
        try cluster?.checkReload(file.options.cluster, path: file.path)
        // MCP first: its errors leave everything as it was; its servers join the policy's targets.
        var options = options
        let mcpNext = try mcp?.prepareReload(fileSection: file.options.mcp)
        if let mcpNext { options.mcp = mcpNext.settings }
        var registry = health.withLock { $0 }
        let next = version.load(ordering: .acquiring) + 1
        let policy = try GatewayPolicy.build(file: file, options: options, version: next, health: &registry)
        health.withLock { $0 = registry }
        policyBox.withLock { $0 = policy }
        version.store(next, ordering: .releasing)
        if let mcpNext { mcp?.install(mcpNext) }
        if let budgetStore {
            budgetStore.install(flagBudgets + file.budgets, now: MonotonicClock.wallNanos())
        } else if !file.budgets.isEmpty {
            Log.warning("\(file.path): budgets added by a reload apply after a restart (the sidecar started without a budget engine)")
        }
    }

    /// The filters for one exchange, in order.
    func makeFilters(policy: GatewayPolicy) -> FilterChain {
        var before: [any ExchangeFilter] = []
        if policy.requiresKeys { before.append(IdentityFilter(policy: policy)) }
        if let mcp, mcp.isEnabled { before.append(MCPFilter(services: mcp)) }
        let llm = LLMAccountingFilter(services: self, policy: policy)
        var after: [any ExchangeFilter] = []
        if !policy.models.isEmpty || policy.routing.defaultProvider != nil { after.append(RouteFilter(policy: policy, llm: llm)) }
        if let budgets { after.append(BudgetFilter(engine: budgets, llm: llm)) }
        if let cluster { after.append(ClusterBudgetFilter(cluster: cluster, llm: llm)) }
        return FilterChain(before: before, llm: llm, after: after)
    }
}

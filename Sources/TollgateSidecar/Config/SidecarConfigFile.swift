import TollgateBudget
import TollgateConfig
import TollgateLLM

/// The configuration file, decoded: server settings that become `SidecarOptions` (flags given
/// beside `--config` override them), and the gateway policy (providers, models, routing,
/// virtual keys, budgets) that a reload can replace while the sidecar runs. Sections are read
/// in `SidecarConfigFile+<Section>.swift`.
struct SidecarConfigFile: Sendable {
    static let sections = ["server", "limits", "timeouts", "providers", "models", "routing", "keys", "budgets", "mcp", "egress", "cluster"]

    var path: String
    var contentHash: String
    /// Server, limits and timeouts applied over the defaults.
    var options: SidecarOptions
    var providers: [ProviderConfig] = []
    var models: [ModelConfig] = []
    var routing = RoutingConfig()
    var keys: [VirtualKeyConfig] = []
    var budgets: [BudgetDefinition] = []

    /// Reads, parses and decodes `path`; every error names file, line and column.
    static func load(path: String, secrets: SecretResolver = .system(), base: SidecarOptions = SidecarOptions()) throws(ConfigError) -> SidecarConfigFile {
        let root: ConfigNode
        let hash: String
        do {
            (root, hash) = try ConfigSource.load(path: path)
        } catch {
            throw ConfigError(error.description)
        }
        do {
            return try decode(ConfigDecoder(root, secrets: secrets), path: path, contentHash: hash, base: base)
        } catch {
            throw ConfigError(error.description)
        }
    }

    static func decode(_ d: ConfigDecoder, path: String, contentHash: String, base: SidecarOptions = SidecarOptions()) throws(ConfigDecodeError) -> SidecarConfigFile {
        let root = try d.mapping(allowedKeys: sections)
        var file = SidecarConfigFile(path: path, contentHash: contentHash, options: base)
        if let s = root.optional("server") { try file.decodeServer(s) }
        if let s = root.optional("limits") { try file.decodeLimits(s) }
        if let s = root.optional("timeouts") { try file.decodeTimeouts(s) }
        if let s = root.optional("providers") { file.providers = try ProviderConfig.decodeAll(s) }
        if let s = root.optional("models") { file.models = try ModelConfig.decodeAll(s, providers: file.providers) }
        if let s = root.optional("routing") { file.routing = try RoutingConfig.decode(s) }
        if let s = root.optional("keys") { file.keys = try VirtualKeyConfig.decodeAll(s, models: file.models) }
        if let s = root.optional("budgets") { file.budgets = try decodeBudgets(s) }
        // MCP servers and policies (MCPSettings.swift); a reload installs them (MCPServices.install).
        if let s = root.optional("mcp") { file.options.mcp = try MCPSettings.decode(s) }
        // Into the options, so `--egress*` flags beside --config add to or override it.
        if let s = root["egress"] { file.options.egress = try EgressSettings.decode(s) }
        // Coordinators, node identity and gossip (ClusterOptions+Decode.swift); read at start.
        if let s = root.optional("cluster") { file.options.cluster = try ClusterOptions.decode(s) }
        return file
    }
}

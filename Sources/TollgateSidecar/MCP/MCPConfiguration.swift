import TollgateBudget

/// One installed configuration of the MCP layer: the settings and what was built from them (limit
/// ids, the audit log). A reload replaces it whole; an exchange takes it once, at its request
/// head, and keeps it to the end, so a reload never changes the rules of a call midway.
struct MCPConfiguration: Sendable {
    let settings: MCPSettings
    /// Budget id per (policy name, limit index) in the services' limit engine.
    let limitIDs: [String: [String]]
    /// The limits of every policy as budget definitions for that engine.
    let limitDefinitions: [BudgetDefinition]
    let auditLog: UsageLog?

    /// Builds the limit definitions of `settings`; a limit the budget engine cannot express is
    /// a configuration error.
    init(settings: MCPSettings, auditLog: UsageLog?) throws(ConfigError) {
        var defs: [BudgetDefinition] = []
        var ids: [String: [String]] = [:]
        for p in settings.allPolicies {
            var list: [String] = []
            for (i, l) in p.limits.enumerated() {
                let id = "mcp/\(p.name)/\(i)"
                do {
                    var d = try BudgetSpec.parse("tool_calls=\(l.calls)/\(l.window)", id: id)
                    d.scope = BudgetScope(tool: l.tools.text)
                    defs.append(d)
                } catch {
                    throw ConfigError("mcp policy '\(p.name)': \(error)")
                }
                list.append(id)
            }
            ids[p.name] = list
        }
        self.settings = settings
        limitIDs = ids
        limitDefinitions = defs
        self.auditLog = auditLog
    }
}

import TollgateBudget
import TollgateCrypto

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
    /// Signs the aggregate's tools/list cursors: derived from the servers (names, addresses,
    /// credentials), so a cursor stays valid across restarts and between replicas with the same
    /// servers, cannot be forged without the servers' credentials (when they have any), and
    /// lapses when a reload changes the servers.
    let cursorKey: [UInt8]

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
        cursorKey = Self.cursorKey(settings.servers)
    }

    static func cursorKey(_ servers: [MCPServerSettings]) -> [UInt8] {
        var material = Array("tollgate mcp aggregate cursor v1".utf8)
        for s in servers {
            var fields = [s.name, s.target.description, s.target.caFile ?? "", s.bearerToken?.reveal() ?? ""]
            for h in s.headers { fields += [h.name, h.value.reveal()] }
            for f in fields {
                material.append(0)
                material += Array(f.utf8)
            }
            material.append(1)
        }
        return Digest.sha256(material)
    }
}

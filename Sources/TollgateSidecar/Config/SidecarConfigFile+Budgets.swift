import TollgateBudget
import TollgateConfig

extension SidecarConfigFile {
    static func decodeBudgets(_ d: ConfigDecoder) throws(ConfigDecodeError) -> [BudgetDefinition] {
        var ids: Set<String> = []
        return try d.list { (e) throws(ConfigDecodeError) -> BudgetDefinition in
            let m = try e.mapping(allowedKeys: ["id", "scope", "unit", "limit", "window", "mode", "min_grant"])
            let id = try m.required("id").string()
            guard ids.insert(id).inserted else { throw e.error(.invalidValue, "duplicate budget id '\(id)'") }
            var scope = BudgetScope.global
            if let s = m.optional("scope") {
                if s.node.entries != nil {
                    let sm = try s.mapping(allowedKeys: BudgetScope.Kind.allCases.map(\.rawValue))
                    for (k, _, v) in sm.entries { scope.set(BudgetScope.Kind(rawValue: k)!, try v.string()) }
                } else {
                    let text = try s.string()
                    do throws(BudgetSpecError) { scope = try BudgetScope(parsing: text) } catch { throw s.error(.invalidValue, error.message) }
                }
            }
            let unitNode = try m.required("unit")
            let limitNode = try m.required("limit")
            let mode = try m.optional("mode")?.choice(["hard", "soft"]) ?? "hard"
            let unitText = try unitNode.string(), limitText = try limitNode.string()
            let windowText = try m.optional("window")?.string()
            let minGrant = Int64(try m.optional("min_grant")?.int(range: 1...1_000_000) ?? 16)
            do throws(BudgetSpecError) {
                return try BudgetSpec.definition(
                    id: id, scope: scope, unit: unitText, limit: limitText, window: windowText,
                    mode: mode == "soft" ? .soft : .hard, minimumGrant: minGrant)
            } catch {
                let node: ConfigDecoder
                switch error.code {
                case .unknownUnit: node = unitNode
                case .badLimit: node = limitNode
                default: node = m.optional("window") ?? e
                }
                throw node.error(.invalidValue, error.message)
            }
        }
    }
}

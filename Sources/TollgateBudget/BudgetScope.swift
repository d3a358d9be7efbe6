/// Which traffic a budget applies to: a conjunction of dimension values. An empty scope is the
/// global one (all traffic of the sidecar); `team=a` alone is a team budget; `team=a, model=m`
/// is a combination that applies only to team a's calls to model m.
public struct BudgetScope: Hashable, Sendable, CustomStringConvertible {
    /// A scope dimension. Raw values are the config spelling.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case key, team, agent, workflow, model, tool
    }

    /// Dimension -> required value, sorted by dimension so equal scopes compare and print equal.
    public private(set) var constraints: [(kind: Kind, value: String)]

    public static let global = BudgetScope()

    public init() { constraints = [] }

    public init(key: String? = nil, team: String? = nil, agent: String? = nil,
                workflow: String? = nil, model: String? = nil, tool: String? = nil) {
        self.init()
        if let key { set(.key, key) }
        if let team { set(.team, team) }
        if let agent { set(.agent, agent) }
        if let workflow { set(.workflow, workflow) }
        if let model { set(.model, model) }
        if let tool { set(.tool, tool) }
    }

    public var isGlobal: Bool { constraints.isEmpty }
    public var kinds: [Kind] { constraints.map(\.kind) }

    public func value(_ kind: Kind) -> String? {
        constraints.first { $0.kind == kind }?.value
    }

    public mutating func set(_ kind: Kind, _ value: String) {
        constraints.removeAll { $0.kind == kind }
        constraints.append((kind, value))
        let order = Kind.allCases
        constraints.sort { order.firstIndex(of: $0.kind)! < order.firstIndex(of: $1.kind)! }
    }

    /// A budget applies when every constrained dimension equals the request's value.
    public func matches(_ subject: BudgetSubject) -> Bool {
        for c in constraints where subject.value(c.kind) != c.value { return false }
        return true
    }

    /// `global`, or `team=a+model=gpt-4o`.
    public var description: String {
        constraints.isEmpty ? "global" : constraints.map { "\($0.kind.rawValue)=\($0.value)" }.joined(separator: "+")
    }

    /// Parses the config spelling: `global`, `team=a`, `team=a+model=gpt-4o`.
    public init(parsing text: String) throws(BudgetSpecError) {
        self.init()
        guard text != "global", !text.isEmpty else { return }
        for part in text.split(separator: "+", omittingEmptySubsequences: false) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let kinds = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            guard kv.count == 2, let kind = Kind(rawValue: String(kv[0])), !kv[1].isEmpty else {
                throw BudgetSpecError(.badScope, text, "scope part '\(part)' is not KIND=VALUE with KIND one of: \(kinds)")
            }
            guard value(kind) == nil else {
                throw BudgetSpecError(.badScope, text, "scope names '\(kind.rawValue)' twice")
            }
            set(kind, String(kv[1]))
        }
    }

    public static func == (a: BudgetScope, b: BudgetScope) -> Bool {
        a.constraints.elementsEqual(b.constraints) { $0.kind == $1.kind && $0.value == $1.value }
    }

    public func hash(into h: inout Hasher) {
        for c in constraints { h.combine(c.kind); h.combine(c.value) }
    }
}

/// The identity and target of one request, as the identity and routing filters resolved them.
public struct BudgetSubject: Sendable, Hashable {
    public var key: String?
    public var team: String?
    public var agent: String?
    public var workflow: String?
    public var model: String?
    public var tool: String?

    public init(key: String? = nil, team: String? = nil, agent: String? = nil,
                workflow: String? = nil, model: String? = nil, tool: String? = nil) {
        self.key = key; self.team = team; self.agent = agent
        self.workflow = workflow; self.model = model; self.tool = tool
    }

    public func value(_ kind: BudgetScope.Kind) -> String? {
        switch kind {
        case .key: key
        case .team: team
        case .agent: agent
        case .workflow: workflow
        case .model: model
        case .tool: tool
        }
    }
}

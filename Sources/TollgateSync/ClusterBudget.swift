/// What a sidecar does for a budget when it cannot reach the key's coordinator.
public enum PartitionPolicy: UInt8, Sendable, Hashable, Codable, CaseIterable {
    /// Spend only leases already held, then refuse: zero overspend.
    case failClosed = 0
    /// Also spend a per-node reserve escrowed in advance (counted against the budget): zero overspend.
    case failOpenBounded = 1
    /// Keep admitting and counting locally; overspend is bounded by rate x partition time and exposed.
    case failOpen = 2

    /// Whether this policy is a hard budget (overspend must be zero).
    public var isHard: Bool { self != .failOpen }
}

/// A cluster-wide budget as the coordinator defines it and sidecars learn it through sync.
/// `window` is minted by the coordinator (never read from node clocks); `version` orders edits.
public struct ClusterBudget: Sendable, Hashable {
    /// The scope, e.g. "team:a|total_tokens|day".
    public var scope: String
    /// Window id minted by the coordinator.
    public var window: UInt64
    /// Limit in abstract units (tokens or micro-dollars).
    public var limit: Int64
    public var policy: PartitionPolicy
    /// Per-node reserve for `failOpenBounded` (0 otherwise).
    public var reservePerNode: Int64
    /// Monotonic version of this definition at its coordinator.
    public var version: UInt64

    public init(scope: String, window: UInt64 = 1, limit: Int64, policy: PartitionPolicy = .failClosed,
                reservePerNode: Int64 = 0, version: UInt64 = 1) {
        self.scope = scope
        self.window = window
        self.limit = limit
        self.policy = policy
        self.reservePerNode = reservePerNode
        self.version = version
    }

    public var key: BudgetKey { BudgetKey(scope: scope, window: window) }
}

/// A budget key: scope plus the coordinator-minted window id.
public struct BudgetKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var scope: String
    public var window: UInt64

    public init(scope: String, window: UInt64) {
        self.scope = scope
        self.window = window
    }

    public static func < (a: BudgetKey, b: BudgetKey) -> Bool { (a.scope, a.window) < (b.scope, b.window) }
    public var description: String { "\(scope)@\(window)" }
}

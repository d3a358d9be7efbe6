extension BudgetUnit {
    /// Flag spellings: the raw values, plus `cost_usd` (given in dollars) for `costMicros`.
    public init?(flagSpelling s: String) {
        switch s {
        case "cost_usd", "cost": self = .costMicros
        default: self.init(rawValue: s)
        }
    }

    /// Units that count tokens: their remaining amount is shown in the `-tokens` headers.
    public var isTokens: Bool {
        self == .inputTokens || self == .outputTokens || self == .totalTokens
    }

    /// Human spelling for messages, e.g. "total_tokens", "cost (micro-USD)".
    public var displayName: String {
        self == .costMicros ? "cost_micros" : rawValue
    }
}

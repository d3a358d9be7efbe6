/// What a budget counts.
public enum BudgetUnit: String, Sendable, Hashable, CaseIterable, Codable {
    case requests
    case inputTokens = "input_tokens"
    case outputTokens = "output_tokens"
    case totalTokens = "total_tokens"
    /// Cost in integer micro-dollars (flag spelling: cost_usd, in dollars).
    case costMicros = "cost_micros"
    case concurrent
    case toolCalls = "tool_calls"
}

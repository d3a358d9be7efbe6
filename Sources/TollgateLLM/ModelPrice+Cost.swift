extension ModelPrice {
    /// Cost of `usage` in micro-dollars, rounded up. Each token is priced once: cache reads at
    /// the cached rate, cache writes at the write rate, the rest of the input at the input
    /// rate; reasoning tokens (part of output) at the reasoning rate if set, the rest of the
    /// output at the output rate. Sum of tokens * rate per 1M, divided by 1M once at the end
    /// (so rounding happens once), saturating instead of overflowing.
    public func cost(_ usage: Usage) -> Int64 {
        let cached = min(usage.cachedInputTokens, usage.inputTokens)
        let write = min(usage.cacheWriteTokens, usage.inputTokens - cached)
        let plainInput = max(0, usage.inputTokens - cached - write)
        let reasoningTokens = reasoning == nil ? 0 : min(usage.reasoningTokens, usage.outputTokens)
        let plainOutput = max(0, usage.outputTokens - reasoningTokens)
        var total: Int64 = 0
        for (tokens, rate) in [
            (plainInput, input), (cached, cachedInput ?? input), (write, cacheWrite ?? input),
            (plainOutput, output), (reasoningTokens, reasoning ?? output),
        ] {
            total = total.addingSaturating(max(0, tokens).multipliedSaturating(max(0, rate)))
        }
        if total == .max { return .max }
        return (total + 999_999) / 1_000_000
    }
}

/// `price.cost(usage)`.
public func cost(_ usage: Usage, _ price: ModelPrice) -> Int64 { price.cost(usage) }

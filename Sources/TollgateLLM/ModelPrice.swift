/// A model's price list in integer micro-dollars (1e-6 USD) per million tokens, so $2.50 per
/// 1M tokens is 2_500_000. Integers keep cost arithmetic exact.
public struct ModelPrice: Sendable, Equatable {
    public var input: Int64
    public var output: Int64
    /// Cache reads; nil = billed as input.
    public var cachedInput: Int64?
    /// Cache writes (Anthropic cache_creation); nil = billed as input.
    public var cacheWrite: Int64?
    /// Reasoning tokens; nil = billed as output (every provider today).
    public var reasoning: Int64?

    public init(input: Int64, output: Int64, cachedInput: Int64? = nil, cacheWrite: Int64? = nil, reasoning: Int64? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
        self.reasoning = reasoning
    }

    /// From USD per million tokens (for tables and config): 2.5 -> 2_500_000.
    public static func usd(_ input: Double, _ output: Double, cached: Double? = nil, cacheWrite: Double? = nil) -> ModelPrice {
        func m(_ d: Double) -> Int64 { Int64((d * 1_000_000).rounded()) }
        return ModelPrice(input: m(input), output: m(output), cachedInput: cached.map(m), cacheWrite: cacheWrite.map(m))
    }
}

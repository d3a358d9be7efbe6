/// Tokens one request used, normalized across providers:
/// - `inputTokens` counts every prompt token, cached or not: it INCLUDES `cachedInputTokens`
///   (cache reads) and `cacheWriteTokens`. OpenAI and Gemini report it that way; Anthropic's
///   `input_tokens` excludes both cache counts, so for Anthropic
///   input = input_tokens + cache_read_input_tokens + cache_creation_input_tokens.
/// - `outputTokens` counts every generated token and INCLUDES `reasoningTokens` (OpenAI
///   completion_tokens and Anthropic output_tokens already do; for Gemini
///   output = candidatesTokenCount + thoughtsTokenCount).
/// - `totalTokens` = inputTokens + outputTokens (computed, so it is consistent whatever the
///   provider printed; Anthropic prints no total at all).
public struct Usage: Sendable, Equatable, CustomStringConvertible {
    public var inputTokens: Int64
    public var outputTokens: Int64
    /// Prompt tokens read from a cache (subset of input).
    public var cachedInputTokens: Int64
    /// Prompt tokens written to a cache (subset of input; Anthropic cache_creation).
    public var cacheWriteTokens: Int64
    /// Hidden reasoning/thinking tokens (subset of output).
    public var reasoningTokens: Int64
    /// Not read from a provider usage report: a conservative estimate (never below the truth
    /// by the rules in README), to be flagged in records.
    public var estimated: Bool

    public init(
        inputTokens: Int64 = 0, outputTokens: Int64 = 0, cachedInputTokens: Int64 = 0, cacheWriteTokens: Int64 = 0,
        reasoningTokens: Int64 = 0, estimated: Bool = false
    ) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.reasoningTokens = reasoningTokens
        self.estimated = estimated
    }

    public static let zero = Usage()

    public var totalTokens: Int64 { inputTokens.addingSaturating(outputTokens) }

    /// Input tokens billed at the plain input rate.
    public var uncachedInputTokens: Int64 { max(0, inputTokens - cachedInputTokens - cacheWriteTokens) }

    public var description: String {
        "Usage(in: \(inputTokens), out: \(outputTokens), cached: \(cachedInputTokens), cacheWrite: \(cacheWriteTokens), reasoning: \(reasoningTokens), total: \(totalTokens)\(estimated ? ", estimated" : ""))"
    }
}

extension Int64 {
    func addingSaturating(_ other: Int64) -> Int64 {
        let (r, o) = addingReportingOverflow(other)
        return o ? (other > 0 ? .max : .min) : r
    }

    func multipliedSaturating(_ other: Int64) -> Int64 {
        let (r, o) = multipliedReportingOverflow(by: other)
        return o ? ((self < 0) != (other < 0) ? .min : .max) : r
    }
}

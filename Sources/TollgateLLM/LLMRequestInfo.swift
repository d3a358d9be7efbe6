/// What admission needs to know about one LLM request, read from its body (and, for Gemini,
/// its path) without decoding the whole document.
public struct LLMRequestInfo: Sendable, Equatable {
    public var api: LLMAPI
    public var model: String?
    /// The response will be an SSE stream.
    public var stream: Bool
    /// The requested output cap, if the body sets one.
    public var maxOutputTokens: Int64?
    /// The body field holding it, as a path ("max_tokens", "generationConfig.maxOutputTokens");
    /// nil when absent.
    public var maxOutputTokensField: String?
    /// The client itself set stream_options.include_usage: true (OpenAI chat/completions).
    public var includeUsageRequested: Bool
    /// How many completions the output cap applies to (n, best_of, candidateCount, prompts in
    /// a batch): the output bound is maxOutputTokens * outputMultiplier.
    public var outputMultiplier: Int64
    /// Upper bound of prompt tokens, by the rules in `PromptBoundRules` (see README).
    public var promptTokenBound: Int64
    /// Bytes of text counted into the bound (decoded length <= these bytes).
    public var promptTextBytes: Int64
    /// Image parts seen.
    public var imageCount: Int
    /// Audio/video/document/file parts seen.
    public var otherMediaCount: Int
    /// The prompt includes context Tollgate cannot see (previous_response_id, a file id,
    /// cachedContent): `promptTokenBound` includes a configured allowance for it and is a
    /// heuristic, not a bound.
    public var promptBoundIsPartial: Bool
    /// The model may spend output tokens the stream never shows (o-series and gpt-5 reasoning,
    /// Gemini 2.5+ thinking, Claude extended thinking): an estimate must charge the output cap.
    public var hiddenReasoningPossible: Bool = false

    public init(
        api: LLMAPI, model: String? = nil, stream: Bool = false, maxOutputTokens: Int64? = nil,
        maxOutputTokensField: String? = nil, includeUsageRequested: Bool = false, outputMultiplier: Int64 = 1,
        promptTokenBound: Int64 = 0, promptTextBytes: Int64 = 0, imageCount: Int = 0, otherMediaCount: Int = 0,
        promptBoundIsPartial: Bool = false, hiddenReasoningPossible: Bool = false
    ) {
        self.api = api
        self.model = model
        self.stream = stream
        self.maxOutputTokens = maxOutputTokens
        self.maxOutputTokensField = maxOutputTokensField
        self.includeUsageRequested = includeUsageRequested
        self.outputMultiplier = outputMultiplier
        self.promptTokenBound = promptTokenBound
        self.promptTextBytes = promptTextBytes
        self.imageCount = imageCount
        self.otherMediaCount = otherMediaCount
        self.promptBoundIsPartial = promptBoundIsPartial
        self.hiddenReasoningPossible = hiddenReasoningPossible
    }

    /// Upper bound of output tokens if a cap is set: cap * multiplier (saturating).
    public var outputTokenBound: Int64? {
        maxOutputTokens.map { $0.multipliedReportingOverflow(by: outputMultiplier).overflow ? .max : $0 * outputMultiplier }
    }
}

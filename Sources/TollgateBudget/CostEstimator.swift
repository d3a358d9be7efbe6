/// Upper bounds of a request's prompt tokens, from what the body scanner can count cheaply.
///
/// Text: byte-level BPE tokenizers (OpenAI's o200k/cl100k, Anthropic's, Llama 3's) never emit
/// more tokens than the UTF-8 bytes they encode, so the byte count of all text content (messages,
/// system prompt, tool definitions and arguments) bounds the text tokens. Chat templates add a
/// few tokens per message (role markers, separators), hence `perMessageOverhead`.
///
/// Images are bounded per provider (see `ImageRule`); other non-text parts (audio, files) are
/// counted by the caller into `otherPartTokens` by its own documented bound.
public struct CostEstimator: Sendable {
    /// Per-image token bound of a provider.
    public enum ImageRule: Sendable, Hashable {
        /// OpenAI. Tile models (gpt-4o, gpt-4.1): high detail scales into 2048x2048, then the short
        /// side to 768, so at most 768x2048 = 2x4 tiles of 512: 85 + 170*8 = 1445 tokens. Patch
        /// models (gpt-4.1-mini/nano, o4-mini): at most 1536 32px patches times the model
        /// multiplier, at most 2.46 -> 3779. The bound is the larger: 3800.
        case openAI
        /// Anthropic: tokens = width*height/750 after resizing to at most ~1.15 megapixels
        /// (long edge 1568), so about 1600 at most.
        case anthropic
        /// Any other provider: a fixed bound per image, set in config.
        case perImage(Int64)

        public var tokensPerImage: Int64 {
            switch self {
            case .openAI: 3_800
            case .anthropic: 1_600
            case .perImage(let n): n
            }
        }
    }

    public var imageRule: ImageRule
    /// Tokens added per message by the chat template (OpenAI documents 3-4; we keep margin).
    public var perMessageOverhead: Int64
    /// Tokens that prime the reply (the assistant header).
    public var replyOverhead: Int64

    public init(imageRule: ImageRule = .openAI, perMessageOverhead: Int64 = 8, replyOverhead: Int64 = 8) {
        self.imageRule = imageRule
        self.perMessageOverhead = perMessageOverhead
        self.replyOverhead = replyOverhead
    }

    /// What the body scanner measured of one request.
    public struct Prompt: Sendable, Hashable {
        public var textBytes: Int64
        public var messageCount: Int64
        public var imageCount: Int64
        public var otherPartTokens: Int64

        public init(textBytes: Int64, messageCount: Int64 = 1, imageCount: Int64 = 0, otherPartTokens: Int64 = 0) {
            self.textBytes = textBytes
            self.messageCount = messageCount
            self.imageCount = imageCount
            self.otherPartTokens = otherPartTokens
        }
    }

    /// Upper bound of prompt tokens.
    public func inputBound(_ p: Prompt) -> Int64 {
        p.textBytes + p.messageCount * perMessageOverhead + replyOverhead
            + p.imageCount * imageRule.tokensPerImage + p.otherPartTokens
    }

    /// The reservation template for a request; the engine chooses the output grant.
    public func estimate(_ prompt: Prompt, maxTokens: Int64?, modelOutputCap: Int64? = nil,
                         price: ModelPrice = .free, toolCalls: Int64 = 0) -> CostEstimate {
        CostEstimate(inputTokens: inputBound(prompt), requestedOutput: maxTokens,
                     modelOutputCap: modelOutputCap, price: price, toolCalls: toolCalls)
    }

    /// The charge for what the provider reported, priced the same way as the reservation.
    public static func actual(inputTokens: Int64, outputTokens: Int64, price: ModelPrice = .free,
                              toolCalls: Int64 = 0) -> RequestCost {
        RequestCost(requests: 1, inputTokens: inputTokens, outputTokens: outputTokens,
                    costMicros: price.cost(input: inputTokens, output: outputTokens),
                    concurrent: 1, toolCalls: toolCalls)
    }
}

/// The rules that turn a request body into an upper bound of its prompt tokens (admission
/// reserves this before forwarding). Text: byte-level BPE tokenizers (OpenAI, Anthropic,
/// Gemini's SentencePiece with byte fallback) emit at most one token per byte, so the bytes
/// of all text are a bound; Tollgate counts a string's bytes as written in JSON (escapes make
/// that >= the decoded length). Chat formatting adds special tokens that have no bytes, hence
/// the per-message and per-request overheads. Tool definitions and response schemas are
/// rendered into the prompt, so their whole JSON text counts. Media follow the per-provider
/// rules below; every number is a stored property so config can override it.
public struct PromptBoundRules: Sendable, Equatable {
    /// Special tokens per message (role markers, separators). OpenAI documents 3-4.
    public var perMessageOverhead: Int64 = 8
    /// Special tokens per request (priming the reply, tool preamble).
    public var perRequestOverhead: Int64 = 32
    /// Special tokens per tool definition or tool call.
    public var perToolOverhead: Int64 = 16

    // OpenAI images (image_url / input_image). Dimensions are never read (URLs, base64), so
    // the bound is the largest image a model family bills:
    /// Tile models (gpt-4o, gpt-4.1, o1/o3, gpt-5): high detail scales to fit 2048x2048 then
    /// shortest side 768 -> at most 2x4 tiles of 512: 85 + 170*8 = 1,445 (low detail: 85).
    public var openAITileImageTokens: Int64 = 1445
    public var openAITileImageLowTokens: Int64 = 85
    /// gpt-4o-mini bills images at 2,833 base + 5,667 per tile: 2,833 + 5,667*8 = 48,169.
    public var openAIMiniImageTokens: Int64 = 48169
    public var openAIMiniImageLowTokens: Int64 = 2833
    /// Patch models (gpt-4.1-mini/nano, o4-mini, gpt-5-mini/nano): 32px patches capped at 1,536,
    /// times the largest published multiplier (2.46): 3,779.
    public var openAIPatchImageTokens: Int64 = 3779
    /// Models not in any family above (OpenAI-compatible servers: Qwen-VL, LLaVA, ...): a
    /// generous fixed bound (Qwen2-VL's default maximum is 16,384 visual tokens).
    public var unknownModelImageTokens: Int64 = 16384

    /// Anthropic images: tokens = width*height/750, and images beyond ~1,600 tokens (long edge
    /// > 1,568 px) are downscaled first. Tollgate does not decode images, so each costs the cap,
    /// with margin over Anthropic's "about 1,600".
    public var anthropicImageTokens: Int64 = 1800

    /// Gemini images: 258 tokens per 768x768 tile (<= 384x384: one tile). Images are scaled to
    /// fit 3072x3072, so at most 4x4 tiles: 16 * 258 = 4,128.
    public var geminiImageTokens: Int64 = 4128

    /// Inline audio/video/other media (base64 data): the encoded bytes. Every published rate
    /// is far below one token per encoded byte (Gemini audio 32 tokens/s vs >= 750 bytes/s
    /// even for 6 kbit/s Opus; OpenAI audio ~10 tokens/s).
    /// Inline documents (PDF): the encoded bytes (bounds extracted text) plus this allowance
    /// for page images, which providers add per page.
    public var inlineDocumentAllowance: Int64 = 25_000
    /// Media or documents referenced by id or URL (file_id, fileData.fileUri, url sources):
    /// unknowable from the request; a configured allowance, and the bound is marked partial.
    public var referencedMediaAllowance: Int64 = 100_000
    /// Context referenced by id (previous_response_id, conversation, cachedContent): same.
    public var referencedContextAllowance: Int64 = 128_000

    public init() {}

    public static let `default` = PromptBoundRules()

    /// The OpenAI image bound for `model` and a detail setting.
    public func openAIImageTokens(model: String?, lowDetail: Bool) -> Int64 {
        let m = ModelPriceTable.normalize(model ?? "")
        func has(_ families: [String]) -> Bool { families.contains { ModelPriceTable.isModel(m, inFamily: $0) } }
        if has(["gpt-4o-mini"]) { return lowDetail ? openAIMiniImageLowTokens : openAIMiniImageTokens }
        if has(["gpt-4.1-mini", "gpt-4.1-nano", "o4-mini", "gpt-5-mini", "gpt-5-nano"]) { return openAIPatchImageTokens }
        if has(["gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4-turbo", "gpt-4.5", "o1", "o3", "gpt-5", "computer-use-preview"]) {
            return lowDetail ? openAITileImageLowTokens : openAITileImageTokens
        }
        return unknownModelImageTokens
    }
}

extension PromptBoundRules {
    /// OpenAI image tokens for a known size, never above the model family's cap. Tile models:
    /// fit into 2048x2048, shrink the shortest side to 768 (images are only scaled down), then
    /// 85 + 170 per 512-px tile (gpt-4o-mini: 2,833 + 5,667 per tile). Patch models: 32-px
    /// patches, at most 1,536, times 2.46. Low detail is the fixed base.
    public func openAIImageTokens(model: String?, lowDetail: Bool, size: ImageSize?) -> Int64 {
        let cap = openAIImageTokens(model: model, lowDetail: lowDetail)
        guard let size, !lowDetail, cap != unknownModelImageTokens else { return cap }
        var w = Double(size.width), h = Double(size.height)
        if cap == openAIPatchImageTokens {
            let patches = min(1536, ((w / 32).rounded(.up) * (h / 32).rounded(.up)))
            return min(cap, Int64((patches * 2.46).rounded(.up)))
        }
        if max(w, h) > 2048 { let s = 2048 / max(w, h); w *= s; h *= s }
        if min(w, h) > 768 { let s = 768 / min(w, h); w *= s; h *= s }
        let tiles = Int64((w / 512).rounded(.up) * (h / 512).rounded(.up))
        let (base, perTile): (Int64, Int64) = cap == openAIMiniImageTokens ? (2833, 5667) : (85, 170)
        return min(cap, base + perTile * tiles)
    }

    /// Anthropic: ceil(width*height/750), never above the downscale cap.
    public func anthropicImageTokens(size: ImageSize?) -> Int64 {
        guard let size else { return anthropicImageTokens }
        let t = (Int64(size.width) * Int64(size.height) + 749) / 750
        return min(anthropicImageTokens, max(1, t))
    }

    /// Gemini: 258 when both sides <= 384, else 258 per 768x768 tile after fitting into
    /// 3072x3072; never above the cap.
    public func geminiImageTokens(size: ImageSize?) -> Int64 {
        guard let size else { return geminiImageTokens }
        if size.width <= 384 && size.height <= 384 { return min(geminiImageTokens, 258) }
        var w = Double(size.width), h = Double(size.height)
        if max(w, h) > 3072 { let s = 3072 / max(w, h); w *= s; h *= s }
        let tiles = Int64((w / 768).rounded(.up) * (h / 768).rounded(.up))
        return min(geminiImageTokens, 258 * tiles)
    }
}

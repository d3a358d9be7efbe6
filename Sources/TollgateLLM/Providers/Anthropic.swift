import TollgateJSON

/// Anthropic messages (POST /v1/messages) and token counting (POST /v1/messages/count_tokens).
///
/// Prompt bound: system (string or text blocks) and messages (string leaves as text;
/// per-message overhead); tool_use inputs and tool_result contents are walked the same way;
/// tools and tool_choice as whole JSON text. Blocks: `image` -> ceil(w*h/750) when the base64
/// header gives the size, capped by `anthropicImageTokens` (the ~1,600-token downscale cap
/// with margin), the cap itself for URLs and unknown formats; `document` with base64
/// data -> its bytes + document allowance, with text data -> its bytes, with a url/file
/// source -> the referenced allowance; `redacted_thinking` -> its data bytes.
/// Output cap: max_tokens (required by the API; includes thinking).
///
/// Usage: input_tokens EXCLUDES cache_creation_input_tokens and cache_read_input_tokens, so
/// Usage.inputTokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens
/// (cachedInputTokens = cache reads, cacheWriteTokens = cache creation), output = output_tokens.
enum Anthropic {
    static let requestKeys = JSONKeys(["model", "stream", "max_tokens", "system", "messages", "tools", "tool_choice", "thinking"])

    static func inspect(_ doc: JSONDocument, api: LLMAPI, rules: PromptBoundRules) throws(LLMRequestError) -> LLMRequestInfo {
        let f = try requestJSON { () throws(JSONParseError) in try doc.fields(doc.root, requestKeys) }
        var info = LLMRequestInfo(api: api)
        info.model = try doc.requestString(f, "model")
        if api == .anthropicMessages {
            info.stream = try doc.requestBool(f["stream"], "stream") ?? false
            if let cap = try doc.requestCount(f["max_tokens"], "max_tokens") {
                info.maxOutputTokens = cap
                info.maxOutputTokensField = "max_tokens"
            }
        } else {
            info.maxOutputTokens = 0
        }
        // Claude 4 returns summarized thinking but bills the full thinking tokens.
        if let thinking = f["thinking"], thinking.kind == .object {
            let type = try requestJSON { () throws(JSONParseError) in try doc.field(thinking, "type") }
            info.hiddenReasoningPossible = type.map { $0.stringEquals("enabled", in: doc.bytes) } ?? false
        }
        var counter = PromptBoundCounter(doc: doc, rules: rules, model: info.model)
        try requestJSON { () throws(JSONParseError) in
            try counter.walk(f["system"], classifyBlock)
            try counter.walkMessages(f["messages"], classifyBlock)
            try counter.addTools(f["tools"])
            counter.addRaw(f["tool_choice"])
        }
        info.apply(counter)
        return info
    }

    static func classifyBlock(_ c: inout PromptBoundCounter, _ block: JSONSlice) throws(JSONParseError) -> Bool {
        let f = try c.doc.fields(block, Self.blockKeys)
        switch f["type"].flatMap({ c.doc.string($0) }) {
        case "image":
            let data = try c.doc.field(f["source"], "data")
            c.addImage(c.rules.anthropicImageTokens(size: ImageSize.sniff(data, in: c.doc.bytes)))
            return true
        case "document":
            let s = try c.doc.fields(f["source"], Self.documentSourceKeys)
            c.addText(c.doc.payloadBytes(f["title"]) + c.doc.payloadBytes(f["context"]))
            switch s["type"].flatMap({ c.doc.string($0) }) {
            case "base64": c.addMedia(c.doc.payloadBytes(s["data"]) + c.rules.inlineDocumentAllowance)
            case "text": c.otherMedia += 1; c.addText(c.doc.payloadBytes(s["data"]))
            case "content": c.otherMedia += 1; try c.walk(s["content"], classifyBlock)
            default: c.addReferenced()
            }
            return true
        case "redacted_thinking":
            c.addText(c.doc.payloadBytes(f["data"]))
            return true
        default:
            return false
        }
    }

    /// An Anthropic usage object, normalized (see the type comment).
    static func usage(_ doc: JSONDocument, _ usage: JSONSlice) throws(JSONParseError) -> Usage {
        let u = try doc.fields(usage, Self.usageKeys)
        let read = doc.count(u["cache_read_input_tokens"]), write = doc.count(u["cache_creation_input_tokens"])
        return Usage(
            inputTokens: doc.count(u["input_tokens"]).addingSaturating(read).addingSaturating(write),
            outputTokens: doc.count(u["output_tokens"]), cachedInputTokens: read, cacheWriteTokens: write)
    }

    static func responseUsage(_ doc: JSONDocument, api: LLMAPI) throws(JSONParseError) -> Usage? {
        // count_tokens answers {"input_tokens": N}: a free call, nothing to bill.
        if api == .anthropicCountTokens { return .zero }
        guard let u = try doc.field(doc.root, "usage"), u.kind == .object else { return nil }
        return try usage(doc, u)
    }

    /// Stream: message_start carries message.usage (input and cache counts, a first output
    /// count); message_delta carries usage whose fields are cumulative totals that replace
    /// the earlier ones (output_tokens always; input/cache counts when they changed, e.g. with
    /// server tools). The message_delta usage makes the numbers final.
    static func observe(_ doc: JSONDocument, into t: inout StreamUsageTracker) throws(JSONParseError) -> StreamObservation {
        let f = try doc.fields(doc.root, Self.eventKeys)
        guard let type = doc.string(f["type"]) else { return .forward }
        switch type {
        case "message_start":
            if let u = try doc.field(f["message"], "usage"), u.kind == .object {
                t.report(try usage(doc, u), final: false)
            }
        case "content_block_start":
            let block = f["content_block"]
            if try doc.field(block, "type").map({ $0.stringEquals("tool_use", in: doc.bytes) }) == true { t.toolCalls += 1 }
            t.addOutput(bytes: try doc.stringBytes(block))
        case "content_block_delta":
            t.addOutput(bytes: try doc.stringBytes(f["delta"]))
        case "message_delta":
            t.finishSeen = true
            if let u = f["usage"], u.kind == .object {
                let fields = try doc.fields(u, Self.usageKeys)
                var merged = t.reported ?? .zero
                let prevPlain = merged.inputTokens - merged.cachedInputTokens - merged.cacheWriteTokens
                let plain = fields["input_tokens"].map { doc.count($0) } ?? prevPlain
                if fields["cache_read_input_tokens"] != nil { merged.cachedInputTokens = doc.count(fields["cache_read_input_tokens"]) }
                if fields["cache_creation_input_tokens"] != nil { merged.cacheWriteTokens = doc.count(fields["cache_creation_input_tokens"]) }
                merged.inputTokens = plain.addingSaturating(merged.cachedInputTokens).addingSaturating(merged.cacheWriteTokens)
                if fields["output_tokens"] != nil { merged.outputTokens = doc.count(fields["output_tokens"]) }
                t.report(merged, final: true)
            }
        default:
            break
        }
        return .forward
    }
}

/// Prepared key lists (see `JSONKeys`).
extension Anthropic {
    static let documentSourceKeys = JSONKeys(["type", "data", "content"])
    static let blockKeys = JSONKeys(["type", "source", "data", "title", "context"])
    static let usageKeys = JSONKeys(["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"])
    static let eventKeys = JSONKeys(["type", "message", "usage", "delta", "content_block"])
}

import TollgateJSON

/// Google Gemini generateContent / streamGenerateContent (Gemini API and Vertex AI paths).
/// The model comes from the path (".../models/{model}:generateContent").
///
/// Prompt bound: contents (string leaves of parts as text; per-content overhead) and
/// systemInstruction; tools and toolConfig as whole JSON text. Parts: `inlineData` image/* ->
/// 258 per 768-px tile by the header's size, capped by `geminiImageTokens` (16 tiles); other inlineData -> its base64 bytes; `fileData` ->
/// the referenced allowance. cachedContent adds the referenced-context allowance (partial).
/// Output cap: generationConfig.maxOutputTokens (includes thinking), times candidateCount.
///
/// Usage: promptTokenCount includes cachedContentTokenCount; toolUsePromptTokenCount is more
/// input; candidatesTokenCount EXCLUDES thoughtsTokenCount, so output = candidates + thoughts.
enum Gemini {
    static let requestKeys = JSONKeys([
        "contents", "systemInstruction", "system_instruction", "tools", "toolConfig", "tool_config", "generationConfig",
        "generation_config", "cachedContent", "cached_content", "model",
    ])

    static func inspect(_ doc: JSONDocument, api: LLMAPI, path: String?, rules: PromptBoundRules) throws(LLMRequestError) -> LLMRequestInfo {
        let f = try requestJSON { () throws(JSONParseError) in try doc.fields(doc.root, requestKeys) }
        var info = LLMRequestInfo(api: api)
        let bodyModel = try doc.requestString(f, "model")
        info.model = path.flatMap(LLMAPI.geminiModel(fromPath:)) ?? bodyModel
        if let m = info.model, m.hasPrefix("models/") { info.model = String(m.dropFirst("models/".count)) }
        info.stream = api == .geminiStreamGenerateContent
        // Protobuf JSON accepts camelCase and snake_case names alike: read both, and refuse a
        // body that sets a field under both names (which one the upstream keeps is not ours
        // to guess, and the other could carry an uncapped limit).
        let (configName, config) = try oneOf(doc, f["generationConfig"], f["generation_config"], "generationConfig", "generation_config")
        if let config {
            guard config.kind == .object else { throw LLMRequestError(.invalidField, "\(configName) must be an object", field: configName) }
            let g = try requestJSON { () throws(JSONParseError) in
                try doc.fields(config, Self.generationConfigKeys)
            }
            let (capName, capSlice) = try oneOf(doc, g["maxOutputTokens"], g["max_output_tokens"], "maxOutputTokens", "max_output_tokens")
            if let cap = try doc.requestCount(capSlice, "\(configName).\(capName)") {
                info.maxOutputTokens = cap
                info.maxOutputTokensField = "\(configName).\(capName)"
            }
            let (countName, count) = try oneOf(doc, g["candidateCount"], g["candidate_count"], "candidateCount", "candidate_count")
            info.outputMultiplier = max(1, try doc.requestCount(count, "\(configName).\(countName)") ?? 1)
            if (g["thinkingConfig"] ?? g["thinking_config"]).map({ !$0.isNull }) == true { info.hiddenReasoningPossible = true }
        }
        let m = ModelPriceTable.normalize(info.model ?? "")
        if m.hasPrefix("gemini-2.5") || m.hasPrefix("gemini-3") { info.hiddenReasoningPossible = true }
        var counter = PromptBoundCounter(doc: doc, rules: rules, model: info.model)
        try requestJSON { () throws(JSONParseError) in
            try counter.walk(f["systemInstruction"], classifyPart)
            try counter.walk(f["system_instruction"], classifyPart)
            try counter.walkMessages(f["contents"], classifyPart)
            try counter.addTools(f["tools"])
            counter.addRaw(f["toolConfig"] ?? f["tool_config"])
        }
        if (f["cachedContent"] ?? f["cached_content"]).map({ !$0.isNull }) == true {
            counter.partial = true
            counter.add(rules.referencedContextAllowance)
        }
        info.apply(counter)
        return info
    }

    /// The one non-null value among a camelCase and a snake_case spelling, with its name.
    static func oneOf(
        _ doc: JSONDocument, _ camel: JSONSlice?, _ snake: JSONSlice?, _ camelName: String, _ snakeName: String
    ) throws(LLMRequestError) -> (String, JSONSlice?) {
        let c = camel.flatMap { $0.isNull ? nil : $0 }, s = snake.flatMap { $0.isNull ? nil : $0 }
        if c != nil && s != nil {
            throw LLMRequestError(.invalidField, "both \(camelName) and \(snakeName) are set", field: camelName)
        }
        return s != nil ? (snakeName, s) : (camelName, c)
    }

    static func classifyPart(_ c: inout PromptBoundCounter, _ part: JSONSlice) throws(JSONParseError) -> Bool {
        let f = try c.doc.fields(part, Self.partKeys)
        if let inline = f["inlineData"] ?? f["inline_data"] {
            let d = try c.doc.fields(inline, Self.inlineDataKeys)
            let mime = (d["mimeType"] ?? d["mime_type"]).flatMap { c.doc.string($0) } ?? ""
            if mime.hasPrefix("image/") {
                c.addImage(c.rules.geminiImageTokens(size: ImageSize.sniff(d["data"], in: c.doc.bytes)))
            } else {
                c.addMedia(c.doc.payloadBytes(d["data"]))
            }
            return true
        }
        if f["fileData"] != nil || f["file_data"] != nil {
            c.addReferenced()
            return true
        }
        return false
    }

    /// usageMetadata, normalized (see the type comment).
    static func usage(_ doc: JSONDocument, _ meta: JSONSlice) throws(JSONParseError) -> Usage {
        let u = try doc.fields(meta, Self.usageKeys)
        let thoughts = doc.count(u["thoughtsTokenCount"])
        return Usage(
            inputTokens: doc.count(u["promptTokenCount"]).addingSaturating(doc.count(u["toolUsePromptTokenCount"])),
            outputTokens: doc.count(u["candidatesTokenCount"]).addingSaturating(thoughts),
            cachedInputTokens: doc.count(u["cachedContentTokenCount"]), reasoningTokens: thoughts)
    }

    /// A response body: one GenerateContentResponse, or (streamGenerateContent without
    /// alt=sse) a JSON array of them whose last usageMetadata is the total.
    static func responseUsage(_ doc: JSONDocument) throws(JSONParseError) -> Usage? {
        if doc.root.kind == .array {
            var last: JSONSlice?
            try doc.elements(doc.root) { (e) throws(JSONParseError) in
                if let u = try doc.field(e, "usageMetadata"), u.kind == .object { last = u }
            }
            return try last.map { (u) throws(JSONParseError) in try usage(doc, u) }
        }
        guard let u = try doc.field(doc.root, "usageMetadata"), u.kind == .object else { return nil }
        return try usage(doc, u)
    }

    /// Stream chunks (alt=sse): each carries the running usageMetadata; the chunk with a
    /// finishReason carries the final one.
    static func observe(_ doc: JSONDocument, into t: inout StreamUsageTracker) throws(JSONParseError) -> StreamObservation {
        let f = try doc.fields(doc.root, Self.chunkKeys)
        var finished = false
        try doc.elements(f["candidates"]) { (cand) throws(JSONParseError) in
            let c = try doc.fields(cand, Self.candidateKeys)
            t.addOutput(bytes: try doc.stringBytes(c["content"]))
            t.noteChoice(index: doc.count(c["index"]))
            if let fr = c["finishReason"], !fr.isNull { finished = true }
        }
        if finished { t.finishSeen = true }
        if let u = f["usageMetadata"], u.kind == .object {
            t.report(try usage(doc, u), final: t.finishSeen)
        }
        return .forward
    }
}

/// Prepared key lists (see `JSONKeys`).
extension Gemini {
    static let generationConfigKeys = JSONKeys([
        "maxOutputTokens", "max_output_tokens", "candidateCount", "candidate_count", "thinkingConfig", "thinking_config",
    ])
    static let partKeys = JSONKeys(["inlineData", "inline_data", "fileData", "file_data"])
    static let inlineDataKeys = JSONKeys(["mimeType", "mime_type", "data"])
    static let usageKeys = JSONKeys(["promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "thoughtsTokenCount", "toolUsePromptTokenCount"])
    static let chunkKeys = JSONKeys(["candidates", "usageMetadata"])
    static let candidateKeys = JSONKeys(["content", "finishReason", "index"])
}

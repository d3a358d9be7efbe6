import TollgateJSON

/// OpenAI chat completions (POST /v1/chat/completions), also Azure OpenAI and OpenAI-compatible
/// servers.
///
/// Prompt bound: messages (string leaves as text; per-message overhead), tools/functions and
/// response_format as whole JSON text. Parts: `image_url` -> `PromptBoundRules
/// .openAIImageTokens` for the model, detail and (for base64 data URLs) the header's size; `input_audio` -> its base64 bytes; `file` ->
/// base64 bytes + document allowance, or the referenced allowance for a file_id.
/// Output cap: max_completion_tokens, else max_tokens (if both, the larger); times n.
enum OpenAIChat {
    static let requestKeys = JSONKeys([
        "model", "stream", "max_tokens", "max_completion_tokens", "stream_options", "n", "messages", "tools",
        "functions", "tool_choice", "response_format", "reasoning_effort",
    ])

    /// Positions in `requestKeys` (same order, checked by a test), for array-read lookups.
    enum RequestKey: Int, CaseIterable {
        case model, stream, maxTokens, maxCompletionTokens, streamOptions, n, messages, tools
        case functions, toolChoice, responseFormat, reasoningEffort
    }
    typealias Key = RequestKey

    static func inspect(_ doc: JSONDocument, rules: PromptBoundRules) throws(LLMRequestError) -> LLMRequestInfo {
        let f = try requestJSON { () throws(JSONParseError) in try doc.fields(doc.root, requestKeys) }
        var info = LLMRequestInfo(api: .openAIChat)
        info.model = try doc.requestString(f[Key.model], "model")
        info.stream = try doc.requestBool(f[Key.stream], "stream") ?? false
        try readOutputCap(doc, f, into: &info)
        info.outputMultiplier = max(1, try doc.requestCount(f[Key.n], "n") ?? 1)
        info.includeUsageRequested = try includeUsage(doc, f[Key.streamOptions])
        info.hiddenReasoningPossible = OpenAIChat.isReasoningModel(info.model) || f[Key.reasoningEffort].map { !$0.isNull } == true
        var counter = PromptBoundCounter(doc: doc, rules: rules, model: info.model)
        try requestJSON { () throws(JSONParseError) in
            try counter.walkMessages(f[Key.messages], classifyPart)
            try counter.addTools(f[Key.tools])
            try counter.addTools(f[Key.functions])
            counter.addRaw(f[Key.toolChoice])
            counter.addRaw(f[Key.responseFormat])
        }
        info.apply(counter)
        return info
    }

    /// max_completion_tokens / max_tokens: the larger one when both are set, so the bound holds
    /// whichever the upstream honours.
    static func readOutputCap(_ doc: JSONDocument, _ f: JSONFields, into info: inout LLMRequestInfo) throws(LLMRequestError) {
        let completion = try doc.requestCount(f[Key.maxCompletionTokens], "max_completion_tokens")
        let legacy = try doc.requestCount(f[Key.maxTokens], "max_tokens")
        applyOutputCap(completion: completion, legacy: legacy, into: &info)
    }

    static func applyOutputCap(completion: Int64?, legacy: Int64?, into info: inout LLMRequestInfo) {
        guard let cap = outputCap(completion: completion, legacy: legacy) else { return }
        info.maxOutputTokens = cap.tokens
        info.maxOutputTokensField = cap.field
    }

    /// The output cap and the field it came from, of `applyOutputCap`.
    static func outputCap(completion: Int64?, legacy: Int64?) -> (tokens: Int64, field: String)? {
        switch (completion, legacy) {
        case let (c?, l?): return (max(c, l), c >= l ? "max_completion_tokens" : "max_tokens")
        case let (c?, nil): return (c, "max_completion_tokens")
        case let (nil, l?): return (l, "max_tokens")
        case (nil, nil): return nil
        }
    }

    static func includeUsage(_ doc: JSONDocument, _ options: JSONSlice?) throws(LLMRequestError) -> Bool {
        guard let options, !options.isNull else { return false }
        guard options.kind == .object else { throw LLMRequestError(.invalidField, "stream_options must be an object", field: "stream_options") }
        let v = try requestJSON { () throws(JSONParseError) in try doc.field(options, "include_usage") }
        return try doc.requestBool(v, "stream_options.include_usage") ?? false
    }

    /// Models whose output includes reasoning tokens that the stream never shows.
    static func isReasoningModel(_ model: String?) -> Bool {
        // A name already normalized (no '/', no upper case: the usual case) is read in place;
        // normalizing it first returned a copy of the String, retained and released.
        let inPlace = model?.utf8.withContiguousStorageIfAvailable { b -> Bool? in
            if b.contains(where: { $0 == 0x2F || $0 &- 0x41 < 26 }) { return nil }
            return isReasoningFamily(b)
        }
        if let inPlace, let answer = inPlace { return answer }
        var m = ModelPriceTable.normalize(model ?? "")
        return m.withUTF8 { isReasoningFamily($0) }
    }

    /// Whether the normalized model name `b` is of a reasoning family.
    private static func isReasoningFamily(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        ModelPriceTable.isModel(b, inFamily: "o1") || ModelPriceTable.isModel(b, inFamily: "o3")
            || ModelPriceTable.isModel(b, inFamily: "o4") || ModelPriceTable.isModel(b, inFamily: "gpt-5")
            || ModelPriceTable.isModel(b, inFamily: "codex")
    }

    static func classifyPart(_ c: inout PromptBoundCounter, _ part: JSONSlice) throws(JSONParseError) -> Bool {
        let f = try c.doc.fields(part, Self.partKeys)
        let type = f["type"].flatMap { c.doc.string($0) }
        if type == "image_url" || (type == nil && f["image_url"] != nil) {
            let img = try c.doc.fields(f["image_url"], Self.imageURLKeys)
            let detail = img["detail"].flatMap { c.doc.string($0) }
            let size = ImageSize.sniff(img["url"], in: c.doc.bytes)
            c.addImage(c.rules.openAIImageTokens(model: c.model, lowDetail: detail == "low", size: size))
            return true
        }
        if type == "input_audio" {
            c.addMedia(c.doc.payloadBytes(try c.doc.field(f["input_audio"], "data")))
            return true
        }
        if type == "file" {
            let file = try c.doc.fields(f["file"], Self.fileKeys)
            if let data = file["file_data"] {
                c.addMedia(c.doc.payloadBytes(data) + c.rules.inlineDocumentAllowance)
                c.addText(c.doc.payloadBytes(file["filename"]))
            } else {
                c.addReferenced()
            }
            return true
        }
        return false
    }

    // MARK: Usage

    /// The OpenAI usage object (chat, completions, embeddings): prompt_tokens includes
    /// prompt_tokens_details.cached_tokens; completion_tokens includes
    /// completion_tokens_details.reasoning_tokens.
    static func usage(_ doc: JSONDocument, _ usage: JSONSlice) throws(JSONParseError) -> Usage {
        try usageReader.read(doc, usage)
    }

    static let usageReader = OpenAIUsageReader(
        input: "prompt_tokens", output: "completion_tokens", inputDetails: "prompt_tokens_details", outputDetails: "completion_tokens_details")

    /// Usage of a non-stream response body (the top-level "usage" object), nil if absent.
    static func responseUsage(_ doc: JSONDocument) throws(JSONParseError) -> Usage? {
        guard let u = try doc.field(doc.root, "usage"), u.kind == .object else { return nil }
        return try usage(doc, u)
    }

    // MARK: Stream

    /// One chat.completion.chunk. Counts the generated text in choices[].delta (string leaves:
    /// content, refusal, reasoning_content, tool call names and arguments). The usage chunk
    /// (include_usage) has "choices":[] and the usage object. When Tollgate injected
    /// include_usage, that chunk is dropped and every "usage" member (null on all the other
    /// chunks) is cut out, so the client gets the bytes it would have got without Tollgate.
    static func observe(
        _ doc: JSONDocument, text: ChoiceKey?, into t: inout StreamUsageTracker
    ) throws(JSONParseError) -> StreamObservation {
        guard doc.root.kind == .object else { return .forward }
        // The top level comes from the validating pass; the removal range of `usage` (a walk
        // of its own) is only needed on the one chunk that carries it.
        let top = try doc.fields(doc.root, Self.chunkKeys)
        let choices = top[ChunkKey.choices]
        try doc.elements(choices) { (choice) throws(JSONParseError) in
            let c = try doc.fields(choice, Self.choiceKeys)
            if let text {
                t.addOutput(bytes: try doc.stringBytes(c[text]))
            }
            if let calls = try doc.field(c[ChoiceKey.delta], "tool_calls") {
                try doc.elements(calls) { (_) throws(JSONParseError) in t.toolCalls += 1 }
            }
            t.noteChoice(index: doc.count(c[ChoiceKey.index]))
            if let fr = c[ChoiceKey.finishReason], !fr.isNull { t.finishSeen = true }
        }
        guard let usageValue = top[ChunkKey.usage] else { return .forward }
        if usageValue.kind == .object {
            t.report(try Self.usage(doc, usageValue), final: true)
        }
        guard t.stripInjectedUsage else { return .forward }
        if usageValue.kind == .object, let choices, choices.isEmptyContainer(in: doc.bytes) { return .drop }
        guard let usage = try doc.rootMember("usage") else { return .forward }
        return .strip(usage.removalRange)
    }
}

extension LLMRequestInfo {
    mutating func apply(_ c: PromptBoundCounter) {
        promptTokenBound = c.tokens
        promptTextBytes = c.textBytes
        imageCount = c.images
        otherMediaCount = c.otherMedia
        promptBoundIsPartial = promptBoundIsPartial || c.partial
    }
}

/// Prepared key lists (see `JSONKeys`).
extension OpenAIChat {
    static let imageURLKeys = JSONKeys(["detail", "url"])
    static let fileKeys = JSONKeys(["file_data", "file_id", "filename"])
    static let partKeys = JSONKeys(["type", "image_url", "input_audio", "file"])
    static let choiceKeys = JSONKeys(["delta", "text", "finish_reason", "index"])
    static let chunkKeys = JSONKeys(["choices", "usage"])

    /// Positions in `choiceKeys` and `chunkKeys` (same order, checked by a test).
    enum ChoiceKey: Int, CaseIterable { case delta, text, finishReason, index }
    enum ChunkKey: Int, CaseIterable { case choices, usage }
}

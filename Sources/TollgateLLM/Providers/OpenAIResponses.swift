import TollgateJSON

/// OpenAI Responses API (POST /v1/responses).
///
/// Prompt bound: instructions and input (a string, or items whose string leaves count as text;
/// per-item overhead), tools, tool_choice and text (structured output format) as whole JSON
/// text. Parts: `input_image` -> `openAIImageTokens` (file_id-only images too, the bound does
/// not depend on the bytes); `input_file` -> base64 bytes + document allowance, or the
/// referenced allowance for file_id/file_url. previous_response_id, conversation and prompt
/// (a stored prompt) pull in context Tollgate cannot see: the referenced-context allowance is
/// added and the bound marked partial.
/// Output cap: max_output_tokens (includes reasoning tokens).
enum OpenAIResponses {
    static let requestKeys = JSONKeys([
        "model", "stream", "max_output_tokens", "input", "instructions", "tools", "tool_choice", "text",
        "previous_response_id", "conversation", "prompt", "reasoning",
    ])

    static func inspect(_ doc: JSONDocument, rules: PromptBoundRules) throws(LLMRequestError) -> LLMRequestInfo {
        let f = try requestJSON { () throws(JSONParseError) in try doc.fields(doc.root, requestKeys) }
        var info = LLMRequestInfo(api: .openAIResponses)
        info.model = try doc.requestString(f, "model")
        info.stream = try doc.requestBool(f["stream"], "stream") ?? false
        if let cap = try doc.requestCount(f["max_output_tokens"], "max_output_tokens") {
            info.maxOutputTokens = cap
            info.maxOutputTokensField = "max_output_tokens"
        }
        info.hiddenReasoningPossible = OpenAIChat.isReasoningModel(info.model) || f["reasoning"].map { !$0.isNull } == true
        var counter = PromptBoundCounter(doc: doc, rules: rules, model: info.model)
        try requestJSON { () throws(JSONParseError) in
            try counter.walk(f["instructions"], classifyPart)
            try counter.walkMessages(f["input"], classifyPart)
            try counter.addTools(f["tools"])
            counter.addRaw(f["tool_choice"])
            counter.addRaw(f["text"])
        }
        for key: StaticString in ["previous_response_id", "conversation", "prompt"] where f[key].map({ !$0.isNull }) == true {
            counter.partial = true
            counter.add(rules.referencedContextAllowance)
            break
        }
        info.apply(counter)
        return info
    }

    static func classifyPart(_ c: inout PromptBoundCounter, _ part: JSONSlice) throws(JSONParseError) -> Bool {
        let f = try c.doc.fields(part, Self.partKeys)
        switch f["type"].flatMap({ c.doc.string($0) }) {
        case "input_image":
            let detail = f["detail"].flatMap { c.doc.string($0) }
            let size = ImageSize.sniff(f["image_url"], in: c.doc.bytes)
            c.addImage(c.rules.openAIImageTokens(model: c.model, lowDetail: detail == "low", size: size))
            return true
        case "input_file":
            if let data = f["file_data"] {
                c.addMedia(c.doc.payloadBytes(data) + c.rules.inlineDocumentAllowance)
                c.addText(c.doc.payloadBytes(f["filename"]))
            } else {
                c.addReferenced()
            }
            return true
        case "input_audio":
            c.addMedia(try c.doc.stringBytes(part))
            return true
        default:
            return false
        }
    }

    /// Responses usage: input_tokens includes input_tokens_details.cached_tokens;
    /// output_tokens includes output_tokens_details.reasoning_tokens.
    static func usage(_ doc: JSONDocument, _ usage: JSONSlice) throws(JSONParseError) -> Usage {
        try usageReader.read(doc, usage)
    }

    static let usageReader = OpenAIUsageReader(
        input: "input_tokens", output: "output_tokens", inputDetails: "input_tokens_details", outputDetails: "output_tokens_details")

    static func responseUsage(_ doc: JSONDocument) throws(JSONParseError) -> Usage? {
        guard let u = try doc.field(doc.root, "usage"), u.kind == .object else { return nil }
        return try usage(doc, u)
    }

    /// Stream events: every "*.delta" event adds its delta's bytes (output text, refusal,
    /// reasoning summary, function call arguments); response.completed / .incomplete / .failed
    /// carry the final response object with its usage.
    static func observe(_ doc: JSONDocument, into t: inout StreamUsageTracker) throws(JSONParseError) -> StreamObservation {
        let f = try doc.fields(doc.root, Self.eventKeys)
        guard let type = doc.string(f["type"]) else { return .forward }
        if type.hasSuffix(".delta") {
            t.addOutput(bytes: try doc.stringBytes(f["delta"]))
        } else if type == "response.output_item.added", let item = f["item"],
            try doc.field(item, "type").map({ $0.stringEquals("function_call", in: doc.bytes) }) == true
        {
            t.toolCalls += 1
        } else if type == "response.completed" || type == "response.incomplete" || type == "response.failed" {
            t.finishSeen = true
            if let u = try doc.field(f["response"], "usage"), u.kind == .object {
                t.report(try usage(doc, u), final: true)
            }
        }
        return .forward
    }
}

/// Prepared key lists (see `JSONKeys`).
extension OpenAIResponses {
    static let partKeys = JSONKeys(["type", "detail", "file_data", "filename", "image_url"])
    static let eventKeys = JSONKeys(["type", "delta", "response", "item"])
}

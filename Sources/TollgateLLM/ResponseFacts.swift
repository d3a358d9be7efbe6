import TollgateJSON

/// What a non-stream response body says about itself: its usage and the model that served it.
/// Read in the same pass over the body (the model is one more root member beside "usage").
public struct ResponseFacts: Sendable, Equatable {
    /// The exact usage, or nil when the body has none (an error body, a provider that omits it).
    public var usage: Usage?
    /// The response's own model name (see `ServedModel`).
    public var model: String?

    public init(usage: Usage? = nil, model: String? = nil) {
        self.usage = usage
        self.model = model
    }

    /// Usage and model of `body`. Throws for malformed JSON.
    ///
    /// Where usage is one member of the root object (OpenAI, Anthropic messages) the body is
    /// validated without a tape and only those members are read (the whole-body tape and its
    /// readers were ~9,400 instructions per OpenAI chat response); same answers and errors
    /// as `readViaTape`, which the agreement tests and the fuzz target check.
    public static func read(api: LLMAPI, body: UnsafeRawBufferPointer) throws(JSONParseError) -> ResponseFacts {
        switch api {
        case .openAIChat, .openAICompletions, .openAIEmbeddings, .openAIResponses, .anthropicMessages:
            let (u, m) = try JSONScanner().rootMembers("usage", "model", in: body)
            let model = ServedModel.name(m, in: body)
            guard let u, u.kind == .object else { return ResponseFacts(model: model) }
            return ResponseFacts(usage: try usage(api: api, validated: u, in: body), model: model)
        case .anthropicCountTokens, .geminiGenerateContent, .geminiStreamGenerateContent:
            return try readViaTape(api: api, body: body)
        }
    }

    /// The usage object `u` (validated as part of `body`) of a root-member API.
    private static func usage(api: LLMAPI, validated u: JSONSlice, in body: UnsafeRawBufferPointer) throws(JSONParseError) -> Usage {
        switch api {
        case .anthropicMessages:
            let doc = try JSONDocument(value: u, in: body)
            return try Anthropic.usage(doc, doc.root)
        case .openAIResponses:
            return try OpenAIUsageReader.read(
                validated: u, in: body, names: ("input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details"))
        default:
            return try OpenAIUsageReader.read(
                validated: u, in: body, names: ("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"))
        }
    }

    /// `read` through a tape of the whole body: the general path every provider supports, and
    /// the reference the fast path is checked against.
    public static func readViaTape(api: LLMAPI, body: UnsafeRawBufferPointer) throws(JSONParseError) -> ResponseFacts {
        let doc = try JSONDocument(body)
        let usage: Usage?
        switch api {
        case .openAIChat, .openAICompletions, .openAIEmbeddings: usage = try OpenAIChat.responseUsage(doc)
        case .openAIResponses: usage = try OpenAIResponses.responseUsage(doc)
        case .anthropicMessages, .anthropicCountTokens: usage = try Anthropic.responseUsage(doc, api: api)
        case .geminiGenerateContent, .geminiStreamGenerateContent: usage = try Gemini.responseUsage(doc)
        }
        return ResponseFacts(usage: usage, model: ServedModel.fromResponse(doc, api: api))
    }

    public static func read(api: LLMAPI, body: [UInt8]) throws(JSONParseError) -> ResponseFacts {
        try withJSONBytes(body) { (buf) throws(JSONParseError) in try read(api: api, body: buf) }
    }

    public static func readViaTape(api: LLMAPI, body: [UInt8]) throws(JSONParseError) -> ResponseFacts {
        try withJSONBytes(body) { (buf) throws(JSONParseError) in try readViaTape(api: api, body: buf) }
    }
}

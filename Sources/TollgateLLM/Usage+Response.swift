import TollgateJSON

extension Usage {
    /// The exact usage in a non-stream response body, or nil when the body has none (an
    /// error body, a provider that omits it). Throws for malformed JSON.
    ///
    /// Where usage is one member of the root object (OpenAI, Anthropic messages) the body is
    /// validated without a tape and only that member is read (the whole-body tape and its
    /// readers were ~9,400 instructions per OpenAI chat response); same answers and errors
    /// as `fromResponseViaTape`, which the agreement tests and the fuzz target check.
    public static func fromResponse(api: LLMAPI, body: UnsafeRawBufferPointer) throws(JSONParseError) -> Usage? {
        switch api {
        case .openAIChat, .openAICompletions, .openAIEmbeddings:
            guard let u = try JSONScanner().rootMember("usage", in: body), u.kind == .object else { return nil }
            return try OpenAIUsageReader.read(
                validated: u, in: body, names: ("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"))
        case .openAIResponses:
            guard let u = try JSONScanner().rootMember("usage", in: body), u.kind == .object else { return nil }
            return try OpenAIUsageReader.read(
                validated: u, in: body, names: ("input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details"))
        case .anthropicMessages:
            guard let u = try JSONDocument.rootMemberObject("usage", in: body) else { return nil }
            return try Anthropic.usage(u, u.root)
        case .anthropicCountTokens, .geminiGenerateContent, .geminiStreamGenerateContent:
            return try fromResponseViaTape(api: api, body: body)
        }
    }

    /// `fromResponse` through a tape of the whole body: the general path every provider
    /// supports, and the reference the fast path is checked against.
    public static func fromResponseViaTape(api: LLMAPI, body: UnsafeRawBufferPointer) throws(JSONParseError) -> Usage? {
        let doc = try JSONDocument(body)
        switch api {
        case .openAIChat, .openAICompletions, .openAIEmbeddings: return try OpenAIChat.responseUsage(doc)
        case .openAIResponses: return try OpenAIResponses.responseUsage(doc)
        case .anthropicMessages, .anthropicCountTokens: return try Anthropic.responseUsage(doc, api: api)
        case .geminiGenerateContent, .geminiStreamGenerateContent: return try Gemini.responseUsage(doc)
        }
    }

    public static func fromResponse(api: LLMAPI, body: [UInt8]) throws(JSONParseError) -> Usage? {
        try withJSONBytes(body) { (buf) throws(JSONParseError) in try fromResponse(api: api, body: buf) }
    }

    public static func fromResponseViaTape(api: LLMAPI, body: [UInt8]) throws(JSONParseError) -> Usage? {
        try withJSONBytes(body) { (buf) throws(JSONParseError) in try fromResponseViaTape(api: api, body: buf) }
    }
}

import TollgateJSON

extension Usage {
    /// The exact usage in a non-stream response body, or nil when the body has none (an
    /// error body, a provider that omits it). Throws for malformed JSON.
    public static func fromResponse(api: LLMAPI, body: UnsafeRawBufferPointer) throws(JSONParseError) -> Usage? {
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
}

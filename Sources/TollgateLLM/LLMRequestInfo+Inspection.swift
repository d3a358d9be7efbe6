import TollgateJSON

extension LLMRequestInfo {
    /// Reads what admission needs from a request body. `path` gives the Gemini model (and is
    /// otherwise unused). Throws for bodies that are not JSON objects or whose accounting
    /// fields have wrong types: the proxy answers 400 rather than forward what it cannot bound.
    public static func inspect(
        api: LLMAPI, body: UnsafeRawBufferPointer, path: String? = nil, rules: PromptBoundRules = .default
    ) throws(LLMRequestError) -> LLMRequestInfo {
        if api == .openAIChat, let info = OpenAIChat.inspectSinglePass(body, rules: rules) { return info }
        if api == .anthropicMessages, let info = Anthropic.inspectSinglePass(body, rules: rules) { return info }
        return try inspectViaTape(api: api, body: body, path: path, rules: rules)
    }

    /// `inspect` through a tape of the whole body: the general path every API uses, and the
    /// reference the single-pass readers are checked against.
    public static func inspectViaTape(
        api: LLMAPI, body: UnsafeRawBufferPointer, path: String? = nil, rules: PromptBoundRules = .default
    ) throws(LLMRequestError) -> LLMRequestInfo {
        try withRequestDocument(body) { (doc) throws(LLMRequestError) -> LLMRequestInfo in
            switch api {
            case .openAIChat: return try OpenAIChat.inspect(doc, rules: rules)
            case .openAIResponses: return try OpenAIResponses.inspect(doc, rules: rules)
            case .openAICompletions: return try OpenAICompletions.inspect(doc, rules: rules)
            case .openAIEmbeddings: return try OpenAIEmbeddings.inspect(doc, rules: rules)
            case .anthropicMessages, .anthropicCountTokens: return try Anthropic.inspect(doc, api: api, rules: rules)
            case .geminiGenerateContent, .geminiStreamGenerateContent: return try Gemini.inspect(doc, api: api, path: path, rules: rules)
            }
        }
    }

    public static func inspect(
        api: LLMAPI, body: [UInt8], path: String? = nil, rules: PromptBoundRules = .default
    ) throws(LLMRequestError) -> LLMRequestInfo {
        let r: Result<LLMRequestInfo, LLMRequestError> = body.withUnsafeBytes { buf in
            do throws(LLMRequestError) { return .success(try inspect(api: api, body: buf, path: path, rules: rules)) } catch {
                return .failure(error)
            }
        }
        return try r.get()
    }

    public static func inspectViaTape(
        api: LLMAPI, body: [UInt8], path: String? = nil, rules: PromptBoundRules = .default
    ) throws(LLMRequestError) -> LLMRequestInfo {
        let r: Result<LLMRequestInfo, LLMRequestError> = body.withUnsafeBytes { buf in
            do throws(LLMRequestError) { return .success(try inspectViaTape(api: api, body: buf, path: path, rules: rules)) } catch {
                return .failure(error)
            }
        }
        return try r.get()
    }
}

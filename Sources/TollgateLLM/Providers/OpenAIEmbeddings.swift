import TollgateJSON

/// OpenAI embeddings (POST /v1/embeddings): input is a string, strings, token ids or arrays
/// of token ids (counted like completions prompts). No output tokens, never streams.
/// Usage: prompt_tokens (= total_tokens).
enum OpenAIEmbeddings {
    static let requestKeys = JSONKeys(["model", "input"])

    static func inspect(_ doc: JSONDocument, rules: PromptBoundRules) throws(LLMRequestError) -> LLMRequestInfo {
        let f = try requestJSON { () throws(JSONParseError) in try doc.fields(doc.root, requestKeys) }
        var info = LLMRequestInfo(api: .openAIEmbeddings)
        info.model = try doc.requestString(f, "model")
        info.maxOutputTokens = 0
        var rules = rules
        rules.perRequestOverhead = 0 // embeddings add no chat formatting tokens
        var counter = PromptBoundCounter(doc: doc, rules: rules, model: info.model)
        _ = try requestJSON { () throws(JSONParseError) in try OpenAICompletions.countTokenInputs(f["input"], &counter) }
        info.apply(counter)
        return info
    }
}

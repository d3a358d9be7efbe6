import TollgateJSON

/// OpenAI legacy completions (POST /v1/completions).
///
/// Prompt bound: `prompt` is a string, an array of strings, an array of token ids or an array
/// of token-id arrays: strings count their bytes, token ids count one each; `suffix` counts
/// as text. Each prompt in a batch is its own completion, so the output multiplier is
/// max(n, best_of) times the number of prompts. Output cap: max_tokens (the API defaults to 16
/// when absent; Tollgate reports only what the body says).
enum OpenAICompletions {
    static let requestKeys = JSONKeys(["model", "stream", "max_tokens", "stream_options", "n", "best_of", "prompt", "suffix"])

    static func inspect(_ doc: JSONDocument, rules: PromptBoundRules) throws(LLMRequestError) -> LLMRequestInfo {
        let f = try requestJSON { () throws(JSONParseError) in try doc.fields(doc.root, requestKeys) }
        var info = LLMRequestInfo(api: .openAICompletions)
        info.model = try doc.requestString(f, "model")
        info.stream = try doc.requestBool(f["stream"], "stream") ?? false
        if let cap = try doc.requestCount(f["max_tokens"], "max_tokens") {
            info.maxOutputTokens = cap
            info.maxOutputTokensField = "max_tokens"
        }
        info.includeUsageRequested = try OpenAIChat.includeUsage(doc, f["stream_options"])
        let n = max(1, try doc.requestCount(f["n"], "n") ?? 1, try doc.requestCount(f["best_of"], "best_of") ?? 1)
        var counter = PromptBoundCounter(doc: doc, rules: rules, model: info.model)
        let prompts = try requestJSON { () throws(JSONParseError) in
            let p = try countTokenInputs(f["prompt"], &counter)
            try counter.walk(f["suffix"], { (_, _) throws(JSONParseError) in false })
            return p
        }
        info.outputMultiplier = n.multipliedSaturating(max(1, prompts))
        info.apply(counter)
        return info
    }

    /// Counts a prompt/input that may be token ids; returns how many separate inputs it holds.
    static func countTokenInputs(_ input: JSONSlice?, _ c: inout PromptBoundCounter) throws(JSONParseError) -> Int64 {
        guard let input, !input.isNull else { return 1 }
        switch input.kind {
        case .string:
            c.addText(c.doc.payloadBytes(input))
            return 1
        case .array:
            var inputs: Int64 = 0
            var tokenIDs = false
            try c.doc.elements(input) { (e) throws(JSONParseError) in
                switch e.kind {
                case .number: c.add(1); tokenIDs = true
                case .string: c.addText(c.doc.payloadBytes(e)); inputs += 1
                case .array:
                    inputs += 1
                    try c.doc.elements(e) { (_) throws(JSONParseError) in c.add(1) }
                default: break
                }
            }
            return tokenIDs ? max(1, inputs) : max(1, inputs)
        default:
            return 1
        }
    }

    /// Stream chunks carry choices[].text; the include_usage protocol is the chat one.
    static func observe(_ doc: JSONDocument, into t: inout StreamUsageTracker) throws(JSONParseError) -> StreamObservation {
        try OpenAIChat.observe(doc, text: .text, into: &t)
    }
}

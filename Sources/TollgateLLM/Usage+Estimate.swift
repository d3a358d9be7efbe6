import TollgateJSON

extension Usage {
    /// A conservative estimate for a non-stream response that carried no usage (a provider or
    /// gateway that omits it): input from the request's bound, output from the bytes of the
    /// generated content in the body (choices / output / content / candidates; every string
    /// leaf counts, so ids and finish reasons make it an overcount), by the same rules as
    /// `StreamUsageTracker.finish(cut: false)`. A body that is not JSON counts whole.
    public static func estimate(request: LLMRequestInfo, responseBody: [UInt8], rules: PromptBoundRules = .default) -> Usage {
        var tracker = StreamUsageTracker(request: request, injectedIncludeUsage: false, rules: rules)
        let bytes: Int64 = responseBody.withUnsafeBytes { buf -> Int64 in
            guard let doc = try? JSONDocument(buf) else { return Int64(buf.count) }
            let key: StaticString
            switch request.api {
            case .openAIChat, .openAICompletions: key = "choices"
            case .openAIResponses: key = "output"
            case .anthropicMessages: key = "content"
            case .geminiGenerateContent, .geminiStreamGenerateContent:
                if doc.root.kind == .array { return (try? doc.stringBytes(doc.root)) ?? Int64(buf.count) }
                key = "candidates"
            case .openAIEmbeddings, .anthropicCountTokens: return 0
            }
            guard let fields = try? doc.fields(doc.root, Self.estimateKeys) else { return Int64(buf.count) }
            return (try? doc.stringBytes(fields[key])) ?? Int64(buf.count)
        }
        tracker.addOutput(bytes: bytes)
        if request.api == .openAIEmbeddings || request.api == .anthropicCountTokens {
            return Usage(inputTokens: request.api == .anthropicCountTokens ? 0 : request.promptTokenBound, estimated: true)
        }
        return tracker.finish(cut: false)
    }

    static let estimateKeys = JSONKeys(["choices", "output", "content", "candidates"])
}

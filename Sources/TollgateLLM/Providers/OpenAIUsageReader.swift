import TollgateJSON

/// The usage shape OpenAI's APIs share under different names: an input and an output total,
/// each with a details object whose `cached_tokens` (input) and `reasoning_tokens` (output)
/// are already included in the total. Chat/completions/embeddings say prompt/completion,
/// Responses says input/output.
struct OpenAIUsageReader: Sendable {
    /// input total, output total, input details, output details: in this order.
    let keys: JSONKeys

    init(input: String, output: String, inputDetails: String, outputDetails: String) {
        keys = JSONKeys([input, output, inputDetails, outputDetails])
    }

    static let cachedKeys = JSONKeys(["cached_tokens"])
    static let reasoningKeys = JSONKeys(["reasoning_tokens"])

    func read(_ doc: JSONDocument, _ usage: JSONSlice) throws(JSONParseError) -> Usage {
        let u = try doc.fields(usage, keys)
        let input = try doc.fields(u[2], Self.cachedKeys)
        let output = try doc.fields(u[3], Self.reasoningKeys)
        return Usage(
            inputTokens: doc.count(u[0]), outputTokens: doc.count(u[1]),
            cachedInputTokens: doc.count(input[0]), reasoningTokens: doc.count(output[0]))
    }
}

import TollgateJSON

/// The usage shape OpenAI's APIs share under different names: an input and an output total,
/// each with a details object whose `cached_tokens` (input) and `reasoning_tokens` (output)
/// are already included in the total. Chat/completions/embeddings say prompt/completion,
/// Responses says input/output.
struct OpenAIUsageReader: Sendable {
    /// input total, output total, input details, output details: in this order.
    let keys: JSONKeys
    let names: (StaticString, StaticString, StaticString, StaticString)

    init(input: StaticString, output: StaticString, inputDetails: StaticString, outputDetails: StaticString) {
        names = (input, output, inputDetails, outputDetails)
        keys = JSONKeys([input.description, output.description, inputDetails.description, outputDetails.description])
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

    /// `read` for a usage object of a document validated already, without a tape or
    /// `JSONFields` (the response fast path: ~2,000 instructions through the tape readers).
    /// The same answer and the same duplicate-key errors, in the same order.
    func read(validated usage: JSONSlice, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> Usage {
        var input: JSONSlice?, output: JSONSlice?, inputDetails: JSONSlice?, outputDetails: JSONSlice?
        let names = names
        try JSONScanner.forEachValidatedMember(of: usage, in: bytes) { (key, escaped, value) throws(JSONParseError) in
            func take(_ slot: inout JSONSlice?, _ name: StaticString) throws(JSONParseError) -> Bool {
                guard JSONScanner.keyLiteral(key, escaped: escaped, equals: name, in: bytes) else { return false }
                if slot != nil { throw JSONParseError(.duplicateKey, "duplicate key \"\(name)\"", offset: key.lowerBound, in: bytes) }
                slot = value
                return true
            }
            if try take(&input, names.0) { return }
            if try take(&output, names.1) { return }
            if try take(&inputDetails, names.2) { return }
            _ = try take(&outputDetails, names.3)
        }
        let cached = try Self.validatedCount(inputDetails, "cached_tokens", in: bytes)
        let reasoning = try Self.validatedCount(outputDetails, "reasoning_tokens", in: bytes)
        return Usage(
            inputTokens: Self.count(input, in: bytes), outputTokens: Self.count(output, in: bytes),
            cachedInputTokens: cached, reasoningTokens: reasoning)
    }

    /// The count at member `name` of a validated details object (0 when absent or not an
    /// object); a repeated `name` throws as `JSONDocument.fields` does.
    static func validatedCount(_ object: JSONSlice?, _ name: StaticString, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> Int64 {
        guard let object else { return 0 }
        var found: JSONSlice?
        try JSONScanner.forEachValidatedMember(of: object, in: bytes) { (key, escaped, value) throws(JSONParseError) in
            guard JSONScanner.keyLiteral(key, escaped: escaped, equals: name, in: bytes) else { return }
            if found != nil { throw JSONParseError(.duplicateKey, "duplicate key \"\(name)\"", offset: key.lowerBound, in: bytes) }
            found = value
        }
        return count(found, in: bytes)
    }

    /// `JSONDocument.count`: 0 when absent, null, not an integer or negative.
    static func count(_ slice: JSONSlice?, in bytes: UnsafeRawBufferPointer) -> Int64 {
        guard let slice, let v = slice.int64(in: bytes), v > 0 else { return 0 }
        return v
    }
}

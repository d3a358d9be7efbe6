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
        try Self.read(validated: usage, in: bytes, names: names)
    }

    /// `read(validated:in:)` with the names given as literals: reaching a `static let`
    /// reader costs a swift_once call per response (~130 instructions, callgrind).
    static func read(
        validated usage: JSONSlice, in bytes: UnsafeRawBufferPointer, names: (StaticString, StaticString, StaticString, StaticString)
    ) throws(JSONParseError) -> Usage {
        var input: JSONSlice?, output: JSONSlice?, inputDetails: JSONSlice?, outputDetails: JSONSlice?
        var members = JSONValidatedMembers(object: usage, in: bytes)
        while let m = members.next() {
            if try Self.take(m, names.0, into: &input, in: bytes) { continue }
            if try Self.take(m, names.1, into: &output, in: bytes) { continue }
            if try Self.take(m, names.2, into: &inputDetails, in: bytes) { continue }
            _ = try Self.take(m, names.3, into: &outputDetails, in: bytes)
        }
        let cached = try Self.validatedCount(inputDetails, "cached_tokens", in: bytes)
        let reasoning = try Self.validatedCount(outputDetails, "reasoning_tokens", in: bytes)
        return Usage(
            inputTokens: Self.count(input, in: bytes), outputTokens: Self.count(output, in: bytes),
            cachedInputTokens: cached, reasoningTokens: reasoning)
    }

    /// Stores `m`'s value in `slot` when its key is `name` (a repeat throws, as
    /// `JSONDocument.fields` does); whether it matched.
    @inline(__always)
    static func take(
        _ m: JSONValidatedMembers.Member, _ name: StaticString, into slot: inout JSONSlice?, in bytes: UnsafeRawBufferPointer
    ) throws(JSONParseError) -> Bool {
        guard JSONScanner.keyLiteral(m.key, escaped: m.keyEscaped, equals: name, in: bytes) else { return false }
        if slot != nil { throw JSONParseError(.duplicateKey, "duplicate key \"\(name)\"", offset: m.key.lowerBound, in: bytes) }
        slot = m.value
        return true
    }

    /// The count at member `name` of a validated details object (0 when absent or not an
    /// object); a repeated `name` throws as `JSONDocument.fields` does.
    static func validatedCount(_ object: JSONSlice?, _ name: StaticString, in bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> Int64 {
        guard let object else { return 0 }
        var found: JSONSlice?
        var members = JSONValidatedMembers(object: object, in: bytes)
        while let m = members.next() { _ = try take(m, name, into: &found, in: bytes) }
        return count(found, in: bytes)
    }

    /// `JSONDocument.count`: 0 when absent, null, not an integer or negative.
    static func count(_ slice: JSONSlice?, in bytes: UnsafeRawBufferPointer) -> Int64 {
        guard let slice, let v = slice.int64(in: bytes), v > 0 else { return 0 }
        return v
    }
}

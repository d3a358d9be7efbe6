import TollgateJSON

extension Usage {
    /// The exact usage in a non-stream response body, or nil when the body has none (an
    /// error body, a provider that omits it). Throws for malformed JSON. See `ResponseFacts.read`.
    public static func fromResponse(api: LLMAPI, body: UnsafeRawBufferPointer) throws(JSONParseError) -> Usage? {
        try ResponseFacts.read(api: api, body: body).usage
    }

    /// `fromResponse` through a tape of the whole body: the general path every provider
    /// supports, and the reference the fast path is checked against.
    public static func fromResponseViaTape(api: LLMAPI, body: UnsafeRawBufferPointer) throws(JSONParseError) -> Usage? {
        try ResponseFacts.readViaTape(api: api, body: body).usage
    }

    public static func fromResponse(api: LLMAPI, body: [UInt8]) throws(JSONParseError) -> Usage? {
        try withJSONBytes(body) { (buf) throws(JSONParseError) in try fromResponse(api: api, body: buf) }
    }

    public static func fromResponseViaTape(api: LLMAPI, body: [UInt8]) throws(JSONParseError) -> Usage? {
        try withJSONBytes(body) { (buf) throws(JSONParseError) in try fromResponseViaTape(api: api, body: buf) }
    }
}

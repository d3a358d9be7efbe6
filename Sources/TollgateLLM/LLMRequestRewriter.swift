import TollgateJSON

/// Body rewrites admission needs, done by splicing: the touched member changes, every other
/// byte of the client's body stays as it was.
public enum LLMRequestRewriter {
    /// Sets the output cap to `tokens` in the field the API reads: replaces the field(s) the
    /// body already has (both max_tokens and max_completion_tokens if both are present), else
    /// inserts max_completion_tokens for OpenAI/Azure chat (required by reasoning models) or
    /// max_tokens for OpenAI-compatible servers (which may not know the newer name).
    /// Embeddings and count_tokens have no output: the body is returned unchanged.
    public static func settingMaxOutputTokens(
        _ tokens: Int64, api: LLMAPI, provider: ProviderKind? = nil, body: [UInt8]
    ) throws(LLMRequestError) -> [UInt8] {
        let value = Array(String(tokens).utf8)
        return try requestJSON { () throws(JSONParseError) -> [UInt8] in
            switch api {
            case .openAIChat:
                let present = try withJSONBytes(body) { (b) throws(JSONParseError) in
                    try JSONScanner.topLevelFields(in: b, keys: ["max_tokens", "max_completion_tokens"])
                }
                var out = body
                if present["max_completion_tokens"] != nil { out = try JSONSplice.setting(["max_completion_tokens"], to: value, in: out) }
                if present["max_tokens"] != nil { out = try JSONSplice.setting(["max_tokens"], to: value, in: out) }
                if present.isEmpty {
                    let field = provider == .openAICompatible ? "max_tokens" : "max_completion_tokens"
                    out = try JSONSplice.setting([field], to: value, in: out)
                }
                return out
            case .openAICompletions, .anthropicMessages:
                return try JSONSplice.setting(["max_tokens"], to: value, in: body)
            case .openAIResponses:
                return try JSONSplice.setting(["max_output_tokens"], to: value, in: body)
            case .geminiGenerateContent, .geminiStreamGenerateContent:
                // Keep the client's spelling (protobuf JSON takes camelCase or snake_case).
                let present = try withJSONBytes(body) { (b) throws(JSONParseError) in
                    try JSONScanner.topLevelFields(in: b, keys: ["generationConfig", "generation_config"])
                }
                let snakeConfig = present["generation_config"].map { !$0.isNull } ?? false
                var path = snakeConfig ? ["generation_config", "max_output_tokens"] : ["generationConfig", "maxOutputTokens"]
                if let config = present[path[0]], config.kind == .object {
                    let cap = try withJSONBytes(body) { (b) throws(JSONParseError) in
                        try JSONScanner().fields(of: config, keys: ["maxOutputTokens", "max_output_tokens"], in: b)
                    }
                    if cap.value(for: "max_output_tokens").map({ !$0.isNull }) == true { path[1] = "max_output_tokens" }
                    if cap.value(for: "maxOutputTokens").map({ !$0.isNull }) == true { path[1] = "maxOutputTokens" }
                }
                return try JSONSplice.setting(path, to: value, in: body)
            case .openAIEmbeddings, .anthropicCountTokens:
                return body
            }
        }
    }

    /// For an OpenAI chat/completions stream request that does not already ask for usage, sets
    /// stream_options.include_usage to true (keeping other stream_options members) and reports
    /// `added == true`; the response must then go through a `StreamUsageTracker` created with
    /// `injectedIncludeUsage: true`. Any other request comes back unchanged with `added == false`.
    /// Pass the `info` from inspecting this body to skip a second inspection.
    public static func ensuringIncludeUsage(
        api: LLMAPI, body: [UInt8], info: LLMRequestInfo? = nil
    ) throws(LLMRequestError) -> (body: [UInt8], added: Bool) {
        guard api == .openAIChat || api == .openAICompletions else { return (body, false) }
        // Two flags read in place: binding `info` (or comparing it with nil) copied the whole
        // value, its Strings retained.
        let stream: Bool, requested: Bool
        if let s = info?.stream, let r = info?.includeUsageRequested {
            stream = s
            requested = r
        } else {
            let inspected = try LLMRequestInfo.inspect(api: api, body: body)
            stream = inspected.stream
            requested = inspected.includeUsageRequested
        }
        guard let out = try includingUsage(api: api, body: body, stream: stream, includeUsageRequested: requested) else { return (body, false) }
        return (out, true)
    }

    /// `ensuringIncludeUsage` for a caller that has the request's two flags at hand: the new
    /// body, or nil when it stays as it is. Handing over the whole `LLMRequestInfo` instead
    /// copied it (its Strings retained and released) to wrap it in an Optional, per request.
    public static func includingUsage(
        api: LLMAPI, body: [UInt8], stream: Bool, includeUsageRequested requested: Bool
    ) throws(LLMRequestError) -> [UInt8]? {
        guard api == .openAIChat || api == .openAICompletions, stream, !requested else { return nil }
        if let out = insertingIncludeUsage(into: body) { return out }
        return try requestJSON { () throws(JSONParseError) -> [UInt8] in
            try JSONSplice.setting(["stream_options", "include_usage"], to: Array("true".utf8), in: body)
        }
    }

    /// What `JSONSplice.setting(["stream_options", "include_usage"], to: true)` gives a body
    /// without a stream_options member (the usual stream request), from one validating pass:
    /// the general splice scanned the body three times and built its text from Strings,
    /// ~12,700 instructions per stream request (callgrind), paid before the request leaves.
    /// nil when the body has stream_options (in any spelling) or is not a valid object: the
    /// general splice then answers.
    static func insertingIncludeUsage(into body: [UInt8]) -> [UInt8]? {
        let member: StaticString = #""stream_options":{"include_usage":true}"#
        return body.withUnsafeBytes { b -> [UInt8]? in
            // Insert after the last member's value, with a comma, or right after '{'.
            var insertAt = 0, needsComma = false
            do throws(JSONParseError) {
                var w = JSONRootMembers(b)
                guard try w.begin() else { return nil }
                while let k = try w.nextKey() {
                    if JSONScanner.keyLiteral(k.start..<k.end, escaped: k.escaped, equals: "stream_options", in: b) { return nil }
                    insertAt = try w.skipValue().range.upperBound
                    needsComma = true
                }
                try w.finish()
            } catch {
                return nil
            }
            if !needsComma {
                // An empty object: right after its '{' (the first non-whitespace byte).
                insertAt = 0
                while JSONDocument.isWhitespace(b[insertAt]) { insertAt += 1 }
                insertAt += 1
            }
            let text = UnsafeRawBufferPointer(start: member.utf8Start, count: member.utf8CodeUnitCount)
            return [UInt8](unsafeUninitializedCapacity: b.count + text.count + 1) { out, count in
                let o = UnsafeMutableRawBufferPointer(out)
                o.copyMemory(from: UnsafeRawBufferPointer(rebasing: b[..<insertAt]))
                var n = insertAt
                if needsComma { o[n] = 0x2C; n += 1 }
                UnsafeMutableRawBufferPointer(rebasing: o[n...]).copyMemory(from: text)
                n += text.count
                UnsafeMutableRawBufferPointer(rebasing: o[n...]).copyMemory(from: UnsafeRawBufferPointer(rebasing: b[insertAt...]))
                count = n + b.count - insertAt
            }
        }
    }
}

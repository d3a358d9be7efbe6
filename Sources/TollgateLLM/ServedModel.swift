import TollgateJSON

/// The model a provider says answered: a response's own "model" (OpenAI, Anthropic; a dated
/// snapshot such as "gpt-4o-2024-08-06" where the request named an alias) or "modelVersion"
/// (Gemini). Usage records carry it as model_served, so an audit shows what really ran, not
/// only what was asked for or configured.
public enum ServedModel {
    /// Longest name kept: anything longer is not a model name, and would ride on every record.
    public static let maxBytes = 256

    /// The root member naming the model in a non-stream response (nil: the API has none).
    static func responseKey(_ api: LLMAPI) -> StaticString? {
        switch api {
        case .openAIChat, .openAICompletions, .openAIEmbeddings, .openAIResponses, .anthropicMessages: return "model"
        case .geminiGenerateContent, .geminiStreamGenerateContent: return "modelVersion"
        case .anthropicCountTokens: return nil
        }
    }

    /// A string value as a model name; nil for other kinds, "" or an over-long name.
    static func name(_ value: JSONSlice?, in bytes: UnsafeRawBufferPointer) -> String? {
        guard let value, value.kind == .string, value.range.count > 2, value.range.count - 2 <= maxBytes else { return nil }
        return value.string(in: bytes)
    }

    /// The model named by a non-stream response read through its tape (the reference path).
    /// Never throws: a repeated or odd member only loses the name.
    static func fromResponse(_ doc: JSONDocument, api: LLMAPI) -> String? {
        guard let key = responseKey(api) else { return nil }
        var holder = doc.root
        // streamGenerateContent without alt=sse: an array of responses, each naming the model.
        if holder.kind == .array {
            var first: JSONSlice?
            try? doc.elements(holder) { (e) throws(JSONParseError) in if first == nil { first = e } }
            guard let first else { return nil }
            holder = first
        }
        return name((try? doc.field(holder, key)) ?? nil, in: doc.bytes)
    }

    /// The model named by one streamed event's data, for the events that carry it: every
    /// OpenAI chat/completions chunk and Gemini chunk, Anthropic's message_start
    /// (message.model) and the Responses API's response.* lifecycle events (response.model).
    public static func fromStreamEvent(api: LLMAPI, data: UnsafeRawBufferPointer) -> String? {
        let scanner = JSONScanner()
        let value: JSONSlice?
        switch api {
        case .openAIChat, .openAICompletions, .geminiGenerateContent, .geminiStreamGenerateContent:
            // Every chunk is a whole response object: the model sits where the response has it.
            value = responseKey(api).flatMap { (try? scanner.rootMember($0, in: data)) ?? nil }
        case .anthropicMessages:
            value = nested(scanner, "message", "model", in: data)
        case .openAIResponses:
            value = nested(scanner, "response", "model", in: data)
        case .openAIEmbeddings, .anthropicCountTokens:
            value = nil
        }
        return name(value, in: data)
    }

    /// Member `inner` of the object at root member `outer` (no path arrays or key dictionaries:
    /// this runs on the first event of every stream, before it is sent).
    private static func nested(_ scanner: JSONScanner, _ outer: StaticString, _ inner: String, in data: UnsafeRawBufferPointer) -> JSONSlice? {
        guard let o = (try? scanner.rootMember(outer, in: data)) ?? nil, o.kind == .object else { return nil }
        return ((try? scanner.member(inner, of: o, in: data)) ?? nil)?.value
    }
}

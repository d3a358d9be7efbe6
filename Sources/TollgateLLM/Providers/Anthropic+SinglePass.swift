#if canImport(Glibc)
import Glibc
#endif
import TollgateJSON

/// Messages request inspection in one validating pass over the body, for the common shape,
/// as `OpenAIChat.inspectSinglePass` does for chat: the tape path recorded every value and
/// walked the tape again. This pass keeps the few root fields it needs and sums string bytes
/// and message counts as it validates.
///
/// It answers only when the answer is certain to be the tape path's: anything unusual (an
/// error, a duplicate or escaped root key, a wrong field type, an object that may be a media
/// part, an escaped thinking type, unusual rules) returns nil and the caller runs the tape
/// path, which then gives the answer or the error. Checked against the tape path by
/// RequestSinglePassAgreementTests and the JSONLLMRequestFuzzer target.
extension Anthropic {
    static func inspectSinglePass(_ body: UnsafeRawBufferPointer, rules: PromptBoundRules) -> LLMRequestInfo? {
        guard rules.fitsSinglePass, body.count < 1 << 32 else { return nil }
        var model: JSONSlice?, stream: JSONSlice?, maxTokens: JSONSlice?, thinking: JSONSlice?
        var system: JSONSlice?, messages: JSONSlice?, tools: JSONSlice?, toolChoice: JSONSlice?
        var systemTally = JSONTally(), messageTally = JSONTally(), toolTally = JSONTally()
        do throws(JSONParseError) {
            var w = JSONRootMembers(body)
            guard try w.begin() else { return nil }
            while let k = try w.nextKey() {
                if k.escaped { return nil }
                let key = k.start..<k.end
                func take(_ slot: inout JSONSlice?, _ v: JSONSlice) -> Bool {
                    if slot != nil { return false }
                    slot = v
                    return true
                }
                let stored: Bool
                if JSONScanner.keyLiteral(key, escaped: false, equals: "messages", in: body) {
                    stored = take(&messages, try w.tallyValue(&messageTally) { OpenAIChat.mayNameMedia($0) })
                    if messageTally.flagged { return nil }
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "system", in: body) {
                    stored = take(&system, try w.tallyValue(&systemTally) { OpenAIChat.mayNameMedia($0) })
                    if systemTally.flagged { return nil }
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "model", in: body) {
                    stored = take(&model, try w.skipValue())
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "stream", in: body) {
                    stored = take(&stream, try w.skipValue())
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "max_tokens", in: body) {
                    stored = take(&maxTokens, try w.skipValue())
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "tools", in: body) {
                    stored = take(&tools, try w.tallyValue(&toolTally) { _ in false })
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "tool_choice", in: body) {
                    stored = take(&toolChoice, try w.skipValue())
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "thinking", in: body) {
                    stored = take(&thinking, try w.skipValue())
                } else {
                    _ = try w.skipValue()
                    stored = true
                }
                if !stored { return nil }
            }
            try w.finish()
        } catch {
            return nil
        }

        var info = LLMRequestInfo(api: .anthropicMessages)
        guard let modelName = OpenAIChat.optionalString(model, in: body), let streamFlag = OpenAIChat.optionalBool(stream),
            let cap = OpenAIChat.optionalCount(maxTokens, in: body), let hidden = Self.thinkingEnabled(thinking, in: body)
        else { return nil }
        info.model = modelName
        info.stream = streamFlag ?? false
        if let cap {
            info.maxOutputTokens = cap
            info.maxOutputTokensField = "max_tokens"
        }
        info.hiddenReasoningPossible = hidden

        // The tape path's counter: walk(system), walkMessages(messages), addTools(tools),
        // addRaw(tool_choice).
        var text = Int64(systemTally.stringBytes) + Int64(messageTally.stringBytes)
        var tokens = rules.perRequestOverhead
        if let messages, messages.kind == .array { tokens += Int64(messageTally.elements) * rules.perMessageOverhead }
        if let tools, !tools.isNull {
            text += Int64(tools.byteCount)
            if tools.kind == .array { tokens += Int64(toolTally.elements) * rules.perToolOverhead }
        }
        if let toolChoice, !toolChoice.isNull { text += Int64(toolChoice.byteCount) }
        info.promptTokenBound = tokens + text
        info.promptTextBytes = text
        return info
    }

    /// thinking.type == "enabled" from a validated slice; nil where the tape path throws (a
    /// repeated type) or must decide (a type written with escapes).
    static func thinkingEnabled(_ thinking: JSONSlice?, in body: UnsafeRawBufferPointer) -> Bool? {
        guard let thinking, thinking.kind == .object else { return false }
        var type: JSONSlice?
        var members = JSONValidatedMembers(object: thinking, in: body)
        while let m = members.next() {
            guard JSONScanner.keyLiteral(m.key, escaped: m.keyEscaped, equals: "type", in: body) else { continue }
            if type != nil { return nil }
            type = m.value
        }
        guard let type, type.kind == .string else { return false }
        if memchr(body.baseAddress! + type.range.lowerBound, 0x5C, type.range.count) != nil { return nil }
        return JSONScanner.keyLiteral(type.range, escaped: false, equals: "enabled", in: body)
    }
}

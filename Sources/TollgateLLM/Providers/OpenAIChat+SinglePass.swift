#if canImport(Glibc)
import Glibc
#endif
import TollgateJSON

/// Chat request inspection in one validating pass over the body, for the common shape: the
/// tape path (`inspect(_:rules:)`) recorded every value and then walked the tape again,
/// ~7,700 instructions for a 190-byte request (callgrind). This pass keeps the few root
/// fields it needs and sums string bytes and message counts as it validates.
///
/// It answers only when the answer is certain to be the tape path's: anything unusual (an
/// error, a duplicate or escaped root key, a wrong field type, an object that may be a media
/// part, unusual rules) returns nil and the caller runs the tape path, which then gives the
/// answer or the error. Checked against the tape path by RequestSinglePassAgreementTests and
/// the JSONLLMRequestFuzzer target.
extension OpenAIChat {
    static func inspectSinglePass(_ body: UnsafeRawBufferPointer, rules: PromptBoundRules) -> LLMRequestInfo? {
        // Sums below are taken in a different order than the tape path's saturating adds;
        // with small non-negative overheads and a body under 4 GiB nothing can saturate, so
        // the order cannot matter.
        guard rules.fitsSinglePass, body.count < 1 << 32 else { return nil }
        var f = RootFields()
        var messages = JSONTally(), tools = JSONTally(), functions = JSONTally()
        do throws(JSONParseError) {
            var w = JSONRootMembers(body)
            guard try w.begin() else { return nil }
            while let k = try w.nextKey() {
                guard !k.escaped, let key = Self.requestKey(body, k.start + 1, k.end - k.start - 2) else {
                    if k.escaped { return nil }
                    _ = try w.skipValue()
                    continue
                }
                let v: JSONSlice
                switch key {
                case .messages:
                    v = try w.tallyValue(&messages) { Self.mayNameMedia($0) }
                    if messages.flagged { return nil }
                case .tools:
                    v = try w.tallyValue(&tools) { _ in false }
                case .functions:
                    v = try w.tallyValue(&functions) { _ in false }
                default:
                    v = try w.skipValue()
                }
                guard f.set(key, v) else { return nil }
            }
            try w.finish()
        } catch {
            return nil
        }

        guard let model = Self.optionalString(f.model, in: body), let stream = Self.optionalBool(f.stream),
            let completion = Self.optionalCount(f.maxCompletionTokens, in: body), let legacy = Self.optionalCount(f.maxTokens, in: body),
            let n = Self.optionalCount(f.n, in: body), let includeUsage = Self.includeUsage(f.streamOptions, in: body)
        else { return nil }
        let cap = Self.outputCap(completion: completion, legacy: legacy)
        let hiddenReasoning = OpenAIChat.isReasoningModel(model) || f.reasoningEffort.map { !$0.isNull } == true

        // The tape path's counter: walkMessages, addTools(tools), addTools(functions),
        // addRaw(tool_choice), addRaw(response_format).
        var text: Int64 = 0
        var tokens = rules.perRequestOverhead
        if let m = f.messages {
            if m.kind == .array { tokens += Int64(messages.elements) * rules.perMessageOverhead }
            text += Int64(messages.stringBytes)
        }
        func addTools(_ slice: JSONSlice?, _ tally: JSONTally) {
            guard let slice, !slice.isNull else { return }
            text += Int64(slice.byteCount)
            if slice.kind == .array { tokens += Int64(tally.elements) * rules.perToolOverhead }
        }
        func addRaw(_ slice: JSONSlice?) {
            guard let slice, !slice.isNull else { return }
            text += Int64(slice.byteCount)
        }
        addTools(f.tools, tools)
        addTools(f.functions, functions)
        addRaw(f.toolChoice)
        addRaw(f.responseFormat)
        // Made once, at the end: a `var info` filled field by field was copied (its Strings
        // retained and released) when created and again when returned.
        return LLMRequestInfo(
            api: .openAIChat, model: model, stream: stream ?? false, maxOutputTokens: cap?.tokens,
            maxOutputTokensField: cap?.field, includeUsageRequested: includeUsage, outputMultiplier: max(1, n ?? 1),
            promptTokenBound: tokens + text, promptTextBytes: text, hiddenReasoningPossible: hiddenReasoning)
    }

    /// The root fields the pass keeps (those of `requestKeys`).
    struct RootFields {
        var model, stream, maxTokens, maxCompletionTokens, streamOptions, n: JSONSlice?
        var messages, tools, functions, toolChoice, responseFormat, reasoningEffort: JSONSlice?

        /// Stores the value of `key`; false for a repeated key (the tape path reports it).
        mutating func set(_ key: RequestKey, _ v: JSONSlice) -> Bool {
            func put(_ slot: inout JSONSlice?) -> Bool {
                if slot != nil { return false }
                slot = v
                return true
            }
            switch key {
            case .model: return put(&model)
            case .stream: return put(&stream)
            case .maxTokens: return put(&maxTokens)
            case .maxCompletionTokens: return put(&maxCompletionTokens)
            case .streamOptions: return put(&streamOptions)
            case .n: return put(&n)
            case .messages: return put(&messages)
            case .tools: return put(&tools)
            case .functions: return put(&functions)
            case .toolChoice: return put(&toolChoice)
            case .responseFormat: return put(&responseFormat)
            case .reasoningEffort: return put(&reasoningEffort)
            }
        }
    }

    /// `PromptBoundCounter.isMediaHint`, answering the common message keys ("role",
    /// "content") with one compare: the hint scan is a loop per key byte (~70 instructions a
    /// key, callgrind).
    static func mayNameMedia(_ key: UnsafeRawBufferPointer) -> Bool {
        let role: StaticString = "role", content: StaticString = "content"
        switch key.count {
        case 4: if memcmp(key.baseAddress!, role.utf8Start, 4) == 0 { return false }
        case 7: if memcmp(key.baseAddress!, content.utf8Start, 7) == 0 { return false }
        default: break
        }
        return PromptBoundCounter.isMediaHint(key.assumingMemoryBound(to: UInt8.self))
    }

    /// The request key an unescaped key's bytes spell: a length switch, then one compare.
    static func requestKey(_ body: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> RequestKey? {
        let p = body.baseAddress! + start
        func eq(_ s: StaticString) -> Bool { memcmp(p, s.utf8Start, count) == 0 }
        switch count {
        case 1: return p.load(as: UInt8.self) == UInt8(ascii: "n") ? .n : nil
        case 5: return eq("model") ? .model : eq("tools") ? .tools : nil
        case 6: return eq("stream") ? .stream : nil
        case 8: return eq("messages") ? .messages : nil
        case 9: return eq("functions") ? .functions : nil
        case 10: return eq("max_tokens") ? .maxTokens : nil
        case 11: return eq("tool_choice") ? .toolChoice : nil
        case 14: return eq("stream_options") ? .streamOptions : nil
        case 15: return eq("response_format") ? .responseFormat : nil
        case 16: return eq("reasoning_effort") ? .reasoningEffort : nil
        case 21: return eq("max_completion_tokens") ? .maxCompletionTokens : nil
        default: return nil
        }
    }

    // Typed reads as the tape path's `requestString` / `requestBool` / `requestCount`: the
    // outer nil is a wrong type (the tape path throws), the inner nil absent or null.

    static func optionalString(_ s: JSONSlice?, in body: UnsafeRawBufferPointer) -> String?? {
        guard let s, !s.isNull else { return .some(nil) }
        guard s.kind == .string, let v = s.string(in: body) else { return nil }
        return .some(v)
    }

    static func optionalBool(_ s: JSONSlice?) -> Bool?? {
        guard let s, !s.isNull else { return .some(nil) }
        guard let b = s.bool else { return nil }
        return .some(b)
    }

    static func optionalCount(_ s: JSONSlice?, in body: UnsafeRawBufferPointer) -> Int64?? {
        guard let s, !s.isNull else { return .some(nil) }
        guard let v = s.int64(in: body), v >= 0 else { return nil }
        return .some(v)
    }

    /// stream_options.include_usage from a validated slice; nil where the tape path throws
    /// (not an object, a repeated include_usage, not a boolean).
    static func includeUsage(_ options: JSONSlice?, in body: UnsafeRawBufferPointer) -> Bool? {
        guard let options, !options.isNull else { return false }
        guard options.kind == .object else { return nil }
        var found: JSONSlice?
        var members = JSONValidatedMembers(object: options, in: body)
        while let m = members.next() {
            guard JSONScanner.keyLiteral(m.key, escaped: m.keyEscaped, equals: "include_usage", in: body) else { continue }
            if found != nil { return nil }
            found = m.value
        }
        guard let v = optionalBool(found) else { return nil }
        return v ?? false
    }
}

extension PromptBoundRules {
    /// Overheads small and non-negative enough that no sum of the single pass can overflow.
    var fitsSinglePass: Bool {
        let limit: Int64 = 1 << 24
        return (0...limit).contains(perRequestOverhead) && (0...limit).contains(perMessageOverhead)
            && (0...limit).contains(perToolOverhead)
    }
}

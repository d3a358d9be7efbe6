import TollgateJSON

/// Stream chunk observation in one validating pass over the event's data, for the common
/// shape. `observe(_:text:into:)` taped the whole chunk and read it back: ~6,500 instructions
/// of the ~11,000 each streamed event cost (callgrind), paid on every event of every stream
/// and, on a stream's first event, in the client's time to first token.
///
/// It answers only when the answer is certain to be the tape path's: invalid JSON, a root
/// that is not an object, an escaped key or a repeated key anywhere it reads returns nil
/// without touching the tracker, and the caller runs the tape path, which then gives the
/// answer or the error. Checked against the tape path by StreamSinglePassAgreementTests and
/// the JSONLLMStreamFuzzer target.
extension OpenAIChat {
    static func observeSinglePass(
        _ data: UnsafeRawBufferPointer, text: ChoiceKey, into t: inout StreamUsageTracker
    ) -> StreamObservation? {
        // Root members: validated here, read below without validating again.
        var choices: JSONSlice?, usage: JSONSlice?
        var usageIndex = -1, usageKeyStart = 0, keyAfterUsage: Int?
        do throws(JSONParseError) {
            var w = JSONRootMembers(data)
            guard try w.begin() else { return nil }
            var index = 0
            while let k = try w.nextKey() {
                if k.escaped { return nil }
                if index == usageIndex + 1 && usage != nil { keyAfterUsage = k.start }
                if Self.keyIs(data, k, "choices") {
                    if choices != nil { return nil }
                    choices = try w.skipValue()
                } else if Self.keyIs(data, k, "usage") {
                    if usage != nil { return nil }
                    usage = try w.skipValue()
                    usageIndex = index
                    usageKeyStart = k.start
                } else {
                    _ = try w.skipValue()
                }
                index += 1
            }
            try w.finish()
        } catch {
            return nil
        }

        // Choices: what the tape path adds to the tracker, gathered first and applied only
        // when nothing sends this chunk to the tape path.
        var outputBytes: Int64 = 0, toolCalls: Int64 = 0, highestIndex: Int64 = -1, finished = false
        if let choices, choices.kind == .array {
            var elements = JSONValidatedMembers(array: choices, in: data)
            while let choice = elements.nextElement() {
                var delta: JSONSlice?, textValue: JSONSlice?, finishReason: JSONSlice?, indexValue: JSONSlice?
                var members = JSONValidatedMembers(object: choice, in: data)
                while let m = members.next() {
                    if m.keyEscaped { return nil }
                    if Self.keyIs(data, m.key, "delta") {
                        guard delta == nil else { return nil }
                        delta = m.value
                    } else if Self.keyIs(data, m.key, "text") {
                        guard textValue == nil else { return nil }
                        textValue = m.value
                    } else if Self.keyIs(data, m.key, "finish_reason") {
                        guard finishReason == nil else { return nil }
                        finishReason = m.value
                    } else if Self.keyIs(data, m.key, "index") {
                        guard indexValue == nil else { return nil }
                        indexValue = m.value
                    }
                }
                if let counted = text == .delta ? delta : textValue {
                    outputBytes += counted.validatedStringValueBytes(in: data)
                }
                if let delta, delta.kind == .object {
                    var calls: JSONSlice?
                    var deltaMembers = JSONValidatedMembers(object: delta, in: data)
                    while let m = deltaMembers.next() {
                        if m.keyEscaped { return nil }
                        guard Self.keyIs(data, m.key, "tool_calls") else { continue }
                        guard calls == nil else { return nil }
                        calls = m.value
                    }
                    if let calls {
                        var callElements = JSONValidatedMembers(array: calls, in: data)
                        while callElements.nextElement() != nil { toolCalls += 1 }
                    }
                }
                highestIndex = max(highestIndex, OpenAIUsageReader.count(indexValue, in: data))
                if let finishReason, !finishReason.isNull { finished = true }
            }
        }
        var reported: Usage?
        if let usage, usage.kind == .object {
            guard let u = try? OpenAIUsageReader.read(
                validated: usage, in: data, names: ("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"))
            else { return nil }
            reported = u
        }

        t.addOutput(bytes: outputBytes)
        t.toolCalls += toolCalls
        if highestIndex >= 0 { t.noteChoice(index: highestIndex) }
        if finished { t.finishSeen = true }
        guard let usage else { return .forward }
        if let reported { t.report(reported, final: true) }
        guard t.stripInjectedUsage else { return .forward }
        if usage.kind == .object, let choices, choices.isEmptyContainer(in: data) { return .drop }
        return .strip(Self.removalRange(keyStart: usageKeyStart, valueEnd: usage.range.upperBound, isFirst: usageIndex == 0,
                                        nextKeyStart: keyAfterUsage, in: data))
    }

    /// Whether the unescaped key literal at `key` (quotes included) is `name`.
    @inline(__always)
    private static func keyIs(_ data: UnsafeRawBufferPointer, _ key: (start: Int, end: Int, escaped: Bool), _ name: StaticString) -> Bool {
        JSONScanner.keyLiteral(key.start..<key.end, escaped: false, equals: name, in: data)
    }

    @inline(__always)
    private static func keyIs(_ data: UnsafeRawBufferPointer, _ key: Range<Int>, _ name: StaticString) -> Bool {
        JSONScanner.keyLiteral(key, escaped: false, equals: name, in: data)
    }

    /// The bytes that remove one root member, as `JSONDocument.rootMember` gives them: a later
    /// member takes the comma before it and the whitespace before that; the first takes
    /// everything up to the next key; an only member is its key to its value's end.
    static func removalRange(keyStart: Int, valueEnd: Int, isFirst: Bool, nextKeyStart: Int?, in bytes: UnsafeRawBufferPointer) -> Range<Int> {
        if !isFirst {
            var k = keyStart - 1
            while k > 0 && bytes[k] != UInt8(ascii: ",") { k -= 1 }
            while k > 0 && JSONDocument.isWhitespace(bytes[k - 1]) { k -= 1 }
            return k..<valueEnd
        }
        if let nextKeyStart { return keyStart..<nextKeyStart }
        return keyStart..<valueEnd
    }
}

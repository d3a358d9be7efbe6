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
        // What the tape path adds to the tracker, gathered first and applied only when nothing
        // sends this chunk to the tape path.
        var sums = ChunkSums()
        var sawChoices = false, choicesEmpty = false
        var usage: JSONSlice?
        var usageIndex = -1, usageKeyStart = 0, keyAfterUsage: Int?
        do throws(JSONParseError) {
            var cursor = JSONCursor(data)
            guard var root = try cursor.enterRootObject() else { return nil }
            var index = 0
            while let k = try cursor.nextKey(&root) {
                if k.escaped { return nil }
                if index == usageIndex + 1 && usage != nil { keyAfterUsage = k.start }
                if Self.keyIs(data, k, "choices") {
                    if sawChoices { return nil }
                    sawChoices = true
                    if var choices = try cursor.enterArray(in: root) {
                        choicesEmpty = choices.isFinished
                        while try cursor.nextElement(&choices) {
                            guard try Self.readChoice(&cursor, in: choices, text: text, data, into: &sums) else { return nil }
                        }
                    } else {
                        choicesEmpty = try cursor.skipValue(in: root).isEmptyContainer(in: data)
                    }
                } else if Self.keyIs(data, k, "usage") {
                    if usage != nil { return nil }
                    usage = try cursor.skipValue(in: root)
                    usageIndex = index
                    usageKeyStart = k.start
                } else {
                    _ = try cursor.skipValue(in: root)
                }
                index += 1
            }
            try cursor.finishDocument()
        } catch {
            return nil
        }
        var reported: Usage?
        if let usage, usage.kind == .object {
            guard let u = try? OpenAIUsageReader.read(
                validated: usage, in: data, names: ("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"))
            else { return nil }
            reported = u
        }

        t.addOutput(bytes: sums.outputBytes)
        t.toolCalls += sums.toolCalls
        if sums.highestIndex >= 0 { t.noteChoice(index: sums.highestIndex) }
        if sums.finished { t.finishSeen = true }
        guard let usage else { return .forward }
        if let reported { t.report(reported, final: true) }
        guard t.stripInjectedUsage else { return .forward }
        if usage.kind == .object, sawChoices, choicesEmpty { return .drop }
        return .strip(Self.removalRange(keyStart: usageKeyStart, valueEnd: usage.range.upperBound, isFirst: usageIndex == 0,
                                        nextKeyStart: keyAfterUsage, in: data))
    }

    /// What one chunk's choices add to the tracker.
    struct ChunkSums {
        var outputBytes: Int64 = 0
        var toolCalls: Int64 = 0
        var highestIndex: Int64 = -1
        var finished = false
    }

    /// One element of "choices", walked as it is validated; false when the tape path must
    /// answer (an escaped or repeated key where the tape path looks).
    private static func readChoice(
        _ cursor: inout JSONCursor, in choices: JSONCursor.Container, text: ChoiceKey, _ data: UnsafeRawBufferPointer,
        into sums: inout ChunkSums
    ) throws(JSONParseError) -> Bool {
        guard var choice = try cursor.enterObject(in: choices) else {
            // Not an object: no fields, index 0.
            _ = try cursor.skipValue(in: choices)
            sums.highestIndex = max(sums.highestIndex, 0)
            return true
        }
        var sawDelta = false, sawText = false, sawFinish = false
        var index: JSONSlice?
        var generated = JSONTally(), otherText = JSONTally()
        while let k = try cursor.nextKey(&choice) {
            if k.escaped { return false }
            if Self.keyIs(data, k, "delta") {
                if sawDelta { return false }
                sawDelta = true
                if var delta = try cursor.enterObject(in: choice) {
                    var sawCalls = false
                    while let m = try cursor.nextKey(&delta) {
                        if m.escaped { return false }
                        if Self.keyIs(data, m, "tool_calls") {
                            if sawCalls { return false }
                            sawCalls = true
                            if var calls = try cursor.enterArray(in: delta) {
                                while try cursor.nextElement(&calls) {
                                    sums.toolCalls += 1
                                    _ = try cursor.tallyValue(in: calls, &generated) { _ in false }
                                }
                                continue
                            }
                        }
                        _ = try cursor.tallyValue(in: delta, &generated) { _ in false }
                    }
                } else {
                    _ = try cursor.tallyValue(in: choice, &generated) { _ in false }
                }
            } else if Self.keyIs(data, k, "text") {
                if sawText { return false }
                sawText = true
                _ = try cursor.tallyValue(in: choice, &otherText) { _ in false }
            } else if Self.keyIs(data, k, "finish_reason") {
                if sawFinish { return false }
                sawFinish = true
                if !(try cursor.skipValue(in: choice)).isNull { sums.finished = true }
            } else if Self.keyIs(data, k, "index") {
                if index != nil { return false }
                index = try cursor.skipValue(in: choice)
            } else {
                _ = try cursor.skipValue(in: choice)
            }
        }
        sums.outputBytes += Int64(text == .delta ? generated.stringBytes : otherText.stringBytes)
        sums.highestIndex = max(sums.highestIndex, OpenAIUsageReader.count(index, in: data))
        return true
    }

    /// Whether the unescaped key literal at `key` (quotes included) is `name`.
    @inline(__always)
    private static func keyIs(_ data: UnsafeRawBufferPointer, _ key: (start: Int, end: Int, escaped: Bool), _ name: StaticString) -> Bool {
        JSONScanner.keyLiteral(key.start..<key.end, escaped: false, equals: name, in: data)
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

import TollgateJSON

/// Gemini stream chunks (alt=sse) in one validating pass: candidates are walked as they are
/// validated and only the usageMetadata object (on every chunk, a few members) is taped.
/// `observe(_:into:)` taped the whole chunk. Anything unusual (invalid JSON, a root that is
/// not an object, an escaped or repeated key where the tape path looks) returns nil without
/// touching the tracker, and the caller runs the tape path, which gives the answer or the
/// error. Checked against the tape path by StreamSinglePassAgreementTests and the
/// JSONLLMStreamFuzzer target.
extension Gemini {
    static func observeSinglePass(_ data: UnsafeRawBufferPointer, into t: inout StreamUsageTracker) -> StreamObservation? {
        var outputBytes: Int64 = 0, highestIndex: Int64 = -1, finished = false
        var sawCandidates = false
        var usage: JSONSlice?
        do throws(JSONParseError) {
            var cursor = JSONCursor(data)
            guard var root = try cursor.enterRootObject() else { return nil }
            while let k = try cursor.nextKey(&root) {
                if k.escaped { return nil }
                let key = k.start..<k.end
                if JSONScanner.keyLiteral(key, escaped: false, equals: "candidates", in: data) {
                    if sawCandidates { return nil }
                    sawCandidates = true
                    guard var candidates = try cursor.enterArray(in: root) else {
                        _ = try cursor.skipValue(in: root)
                        continue
                    }
                    while try cursor.nextElement(&candidates) {
                        guard var candidate = try cursor.enterObject(in: candidates) else {
                            // Not an object: no fields, index 0.
                            _ = try cursor.skipValue(in: candidates)
                            highestIndex = max(highestIndex, 0)
                            continue
                        }
                        var content = JSONTally(), sawContent = false
                        var finishReason: JSONSlice?, index: JSONSlice?
                        while let m = try cursor.nextKey(&candidate) {
                            if m.escaped { return nil }
                            let name = m.start..<m.end
                            if JSONScanner.keyLiteral(name, escaped: false, equals: "content", in: data) {
                                if sawContent { return nil }
                                sawContent = true
                                _ = try cursor.tallyValue(in: candidate, &content) { _ in false }
                            } else if JSONScanner.keyLiteral(name, escaped: false, equals: "finishReason", in: data) {
                                if finishReason != nil { return nil }
                                finishReason = try cursor.skipValue(in: candidate)
                            } else if JSONScanner.keyLiteral(name, escaped: false, equals: "index", in: data) {
                                if index != nil { return nil }
                                index = try cursor.skipValue(in: candidate)
                            } else {
                                _ = try cursor.skipValue(in: candidate)
                            }
                        }
                        outputBytes += Int64(content.stringBytes)
                        highestIndex = max(highestIndex, OpenAIUsageReader.count(index, in: data))
                        if let finishReason, !finishReason.isNull { finished = true }
                    }
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "usageMetadata", in: data) {
                    if usage != nil { return nil }
                    usage = try cursor.skipValue(in: root)
                } else {
                    _ = try cursor.skipValue(in: root)
                }
            }
            try cursor.finishDocument()
        } catch {
            return nil
        }
        var reported: Usage?
        if let usage, usage.kind == .object {
            guard let doc = try? JSONDocument(value: usage, in: data), let u = try? Self.usage(doc, doc.root) else { return nil }
            reported = u
        }

        t.addOutput(bytes: outputBytes)
        if highestIndex >= 0 { t.noteChoice(index: highestIndex) }
        if finished { t.finishSeen = true }
        if let reported { t.report(reported, final: t.finishSeen) }
        return .forward
    }
}

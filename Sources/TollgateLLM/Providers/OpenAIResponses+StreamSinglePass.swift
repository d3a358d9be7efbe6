#if canImport(Glibc)
import Glibc
#endif
import TollgateJSON

/// Responses stream events in one validating pass, for the ones a stream is made of: the
/// "*.delta" events and the other events that carry nothing to count. `observe(_:into:)`
/// taped each event and read it back. The events that add a tool call or carry the final
/// usage (response.output_item.added, response.completed / .incomplete / .failed: a few per
/// stream), and anything unusual (invalid JSON, an escaped or repeated key where the tape path
/// looks, a type that is not a plain ASCII string) return nil without touching the tracker:
/// the caller then runs the tape path. Checked against the tape path by
/// StreamSinglePassAgreementTests and the JSONLLMStreamFuzzer target.
extension OpenAIResponses {
    static func observeSinglePass(_ data: UnsafeRawBufferPointer, into t: inout StreamUsageTracker) -> StreamObservation? {
        guard let event = StreamEventRoot.read(data, others: ("response", "item", "item")) else { return nil }
        guard let type = event.type else { return .forward }
        // Only plain ASCII: then bytes compare as the tape path's String compares do (no
        // escapes to decode, no grapheme clusters or canonical equivalents to consider).
        guard type.kind == .string, Self.isPlainASCII(type.range, in: data) else { return nil }
        let text = UnsafeRawBufferPointer(rebasing: data[(type.range.lowerBound + 1)..<(type.range.upperBound - 1)])
        if Self.hasSuffix(text, ".delta") {
            t.addOutput(bytes: Int64(event.delta.stringBytes))
            return .forward
        }
        if event.typeIs("response.output_item.added", in: data) || event.typeIs("response.completed", in: data)
            || event.typeIs("response.incomplete", in: data) || event.typeIs("response.failed", in: data)
        {
            return nil
        }
        return .forward
    }

    /// No byte of the string literal at `range` (quotes included) is a backslash or non-ASCII.
    static func isPlainASCII(_ range: Range<Int>, in data: UnsafeRawBufferPointer) -> Bool {
        var i = range.lowerBound + 1
        while i < range.upperBound - 1 {
            let b = data[i]
            if b >= 0x80 || b == 0x5C { return false }
            i += 1
        }
        return true
    }

    static func hasSuffix(_ text: UnsafeRawBufferPointer, _ suffix: StaticString) -> Bool {
        let n = suffix.utf8CodeUnitCount
        return text.count >= n && memcmp(text.baseAddress! + text.count - n, suffix.utf8Start, n) == 0
    }
}

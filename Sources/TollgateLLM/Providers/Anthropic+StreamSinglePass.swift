import TollgateJSON

/// Anthropic stream events in one validating pass, for the ones a stream is made of: text
/// deltas (content_block_delta), pings and block/message stops. `observe(_:into:)` taped each
/// event and read it back. Events that carry usage or start blocks (a few per stream), and
/// anything unusual (invalid JSON, an escaped or repeated key where the tape path looks, a
/// type that is not a plain string) return nil without touching the tracker: the caller then
/// runs the tape path, which gives the answer or the error. Checked against the tape path by
/// StreamSinglePassAgreementTests and the JSONLLMStreamFuzzer target.
extension Anthropic {
    static func observeSinglePass(_ data: UnsafeRawBufferPointer, into t: inout StreamUsageTracker) -> StreamObservation? {
        var type: JSONSlice?
        var sawDelta = false, sawMessage = false, sawUsage = false, sawBlock = false
        var delta = JSONTally()
        do throws(JSONParseError) {
            var cursor = JSONCursor(data)
            guard var root = try cursor.enterRootObject() else { return nil }
            while let k = try cursor.nextKey(&root) {
                if k.escaped { return nil }
                let key = k.start..<k.end
                if JSONScanner.keyLiteral(key, escaped: false, equals: "type", in: data) {
                    if type != nil { return nil }
                    type = try cursor.skipValue(in: root)
                    continue
                }
                if JSONScanner.keyLiteral(key, escaped: false, equals: "delta", in: data) {
                    if sawDelta { return nil }
                    sawDelta = true
                    _ = try cursor.tallyValue(in: root, &delta) { _ in false }
                    continue
                }
                // The other members the tape path reads: only a repeat matters here.
                if JSONScanner.keyLiteral(key, escaped: false, equals: "message", in: data) {
                    if sawMessage { return nil }
                    sawMessage = true
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "usage", in: data) {
                    if sawUsage { return nil }
                    sawUsage = true
                } else if JSONScanner.keyLiteral(key, escaped: false, equals: "content_block", in: data) {
                    if sawBlock { return nil }
                    sawBlock = true
                }
                _ = try cursor.skipValue(in: root)
            }
            try cursor.finishDocument()
        } catch {
            return nil
        }
        guard let type else { return .forward }
        guard type.kind == .string else { return nil }
        if JSONScanner.keyLiteral(type.range, escaped: false, equals: "content_block_delta", in: data) {
            t.addOutput(bytes: Int64(delta.stringBytes))
            return .forward
        }
        if JSONScanner.keyLiteral(type.range, escaped: false, equals: "ping", in: data)
            || JSONScanner.keyLiteral(type.range, escaped: false, equals: "content_block_stop", in: data)
            || JSONScanner.keyLiteral(type.range, escaped: false, equals: "message_stop", in: data)
        {
            return .forward
        }
        return nil
    }
}

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
        guard let event = StreamEventRoot.read(data, others: ("message", "usage", "content_block")) else { return nil }
        guard let type = event.type else { return .forward }
        guard type.kind == .string else { return nil }
        if event.typeIs("content_block_delta", in: data) {
            t.addOutput(bytes: Int64(event.delta.stringBytes))
            return .forward
        }
        if event.typeIs("ping", in: data) || event.typeIs("content_block_stop", in: data) || event.typeIs("message_stop", in: data) {
            return .forward
        }
        return nil
    }
}

// libFuzzer target for StreamUsageTracker (built by scripts/fuzz-json against the
// TollgateJSON, TollgateHTTP and TollgateLLM modules).
//
// Input: byte 0 picks the API and options, the rest is a text/event-stream. Nothing may trap.
// Without injection every event is forwarded untouched (the client gets the input back
// exactly); with injection events are only forwarded, dropped or rewritten, and a rewrite
// is still one event of the same type and id. Usage is never negative, and an estimate covers at least what a
// provider reported. The tracker's single-pass readers and its tape path agree on every
// event's action and on the final usage.

import TollgateHTTP
import TollgateJSON
import TollgateLLM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let apis = LLMAPI.allCases
    let cfg = Int(data[0])
    let api = apis[cfg % apis.count]
    let injected = cfg & 0x40 != 0
    let cut = cfg & 0x80 != 0
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let info = LLMRequestInfo(api: api, model: "gpt-4o", stream: true, maxOutputTokens: cfg & 0x20 != 0 ? 64 : nil, promptTokenBound: 10)
    var tracker = StreamUsageTracker(request: info, injectedIncludeUsage: injected)
    var viaTape = StreamUsageTracker(request: info, injectedIncludeUsage: injected)
    var parser = SSEParser()
    var client: [UInt8] = []
    func handle(_ e: SSEEvent) {
        let action = tracker.process(e)
        precondition(action == viaTape.processViaTape(e), "single pass and tape disagree on an event")
        switch action {
        case .forward: client += e.raw
        case .drop: precondition(injected, "dropped an event without injection")
        case .replace(let bytes):
            precondition(injected, "rewrote an event without injection")
            // A rewrite keeps the event's type and id (re-parsed, it is one event, or the
            // bare LF of a split CRLF).
            if bytes != [0x0A] {
                var p = SSEParser()
                var out: [SSEEvent] = []
                bytes.withUnsafeBytes { try? p.feed($0) { out.append($0) } }
                if let rest = p.finish() { out.append(rest) }
                let real = out.filter { $0.raw != [0x0A] && $0.raw != [0x0D, 0x0A] }
                precondition(real.count == 1 && real[0].event == e.event && real[0].id == e.id, "rewrite changed the event")
            }
            client += bytes
        }
    }
    do throws(SSEParseError) {
        try parser.feed(input) { handle($0) }
    } catch {
        return 0
    }
    if let rest = parser.finish() { handle(rest) }
    if !injected { precondition(client.elementsEqual(input), "client bytes differ without injection") }
    let usage = tracker.finish(cut: cut)
    precondition(usage == viaTape.finish(cut: cut) && tracker.reported == viaTape.reported, "single pass and tape disagree on usage")
    precondition(usage.inputTokens >= 0 && usage.outputTokens >= 0, "negative usage")
    if usage.estimated, let r = tracker.reported {
        precondition(usage.outputTokens >= min(r.outputTokens, info.outputTokenBound ?? .max), "estimate below the report")
    }
    return 0
}

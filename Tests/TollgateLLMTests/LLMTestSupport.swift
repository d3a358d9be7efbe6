import TollgateHTTP
@testable import TollgateLLM

/// Splits a text/event-stream into events (the remainder of a cut stream included).
func sseEvents(_ text: String) -> [SSEEvent] {
    var parser = SSEParser()
    var out: [SSEEvent] = []
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes { try? parser.feed($0) { out.append($0) } }
    if let rest = parser.finish() { out.append(rest) }
    return out
}

/// Runs a stream through a tracker: the bytes the client receives and the settled usage.
func track(_ text: String, _ tracker: inout StreamUsageTracker, cut: Bool = false) -> (client: String, usage: Usage) {
    var client: [UInt8] = []
    for e in sseEvents(text) {
        switch tracker.process(e) {
        case .forward: client += e.raw
        case .drop: break
        case .replace(let bytes): client += bytes
        }
    }
    return (String(decoding: client, as: UTF8.self), tracker.finish(cut: cut))
}

func inspect(_ api: LLMAPI, _ body: String, path: String? = nil) throws -> LLMRequestInfo {
    try LLMRequestInfo.inspect(api: api, body: Array(body.utf8), path: path)
}

func responseUsage(_ api: LLMAPI, _ body: String) throws -> Usage? {
    try Usage.fromResponse(api: api, body: Array(body.utf8))
}

func price(_ model: String) -> ModelPrice { ModelPriceTable.builtIn.price(for: model)! }

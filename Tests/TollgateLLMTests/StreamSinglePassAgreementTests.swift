import Testing
import TollgateTestSupport
import TollgateHTTP
import TollgateJSON
@testable import TollgateLLM

/// The single-pass stream chunk reader against the tape path: two trackers fed the same
/// events, one through `process` and one through `processViaTape`, give the same action per
/// event and the same state and usage at the end, over fixtures, edge cases and many
/// generated and mutated chunks, with and without injected include_usage.
struct StreamSinglePassAgreementTests {
    static let chunk =
        #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}"#

    static let chunks: [String] = [
        chunk,
        #"{"id":"c","choices":[{"index":0,"delta":{"content":" world"},"finish_reason":null}]}"#,
        #"{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}"#,
        #"{"id":"c","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":2,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":1}}}"#,
        #"{"usage":null,"id":"c","choices":[{"index":1,"delta":{"content":"x"}}]}"#,
        #"{"usage":null}"#, #"{"choices":[]}"#, #"{"usage":{"prompt_tokens":1}}"#, #"{ "usage" : null , "choices" : [ ] }"#,
        #"{"id":"c", "usage":null ,"choices":[]}"#,
        #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#,
        #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}},{"index":1}]}}]}"#,
        #"{"choices":[{"index":0,"text":"Hello","finish_reason":null}],"usage":null}"#,
        #"{"choices":[{"index":2,"delta":{"reasoning_content":"hmm","refusal":null}},{"index":0,"delta":"plain"},7,null,[1]]}"#,
        #"{"choices":[{"index":-3,"delta":{"content":"caf\u00e9 \"q\""}},{"index":1e2},{"index":"1"},{"index":99999999999}]}"#,
        #"{"choices":{"index":0},"usage":[]}"#, #"{"choices":"x","usage":7}"#,
        #"{"choices":[],"choices":[]}"#, #"{"usage":null,"usage":null}"#,
        #"{"choices":[{"index":0,"index":1}]}"#, #"{"choices":[{"delta":{},"delta":{}}]}"#,
        #"{"choices":[{"delta":{"tool_calls":[],"tool_calls":[1]}}]}"#,
        #"{"ch\u006fices":[{"index":3}]}"#, #"{"choices":[{"ind\u0065x":3}]}"#, #"{"choices":[{"delta":{"tool_c\u0061lls":[1]}}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"a"}}],"usage":{"prompt_tokens":1,"prompt_tokens":2}}"#,
        #"{"choices":[],"usage":{"completion_tokens_details":{"reasoning_tokens":1,"reasoning_tokens":2}}}"#,
        #"{"choices":[{"index":0,"delta":{"content":"a"}}]} x"#, #"{"choices":[}"#, #"{"#, "[]", "7", #""s""#, "", "[DONE]",
        #"{"choices":[{"delta":{"content":"\ud800"}}]}"#,
        "{\"choices\":" + String(repeating: "[", count: 127) + String(repeating: "]", count: 127) + "}",
        "{\"choices\":" + String(repeating: "[", count: 128) + String(repeating: "]", count: 128) + "}",
    ]

    /// Feeds `events` (data values) to two trackers; true when every action, the state and
    /// the final usage agree.
    static func agree(_ datas: [[UInt8]], api: LLMAPI = .openAIChat, injected: Bool) -> Bool {
        let info = LLMRequestInfo(api: api, model: "gpt-4o", stream: true, maxOutputTokens: 64, promptTokenBound: 10)
        var single = StreamUsageTracker(request: info, injectedIncludeUsage: injected)
        var tape = StreamUsageTracker(request: info, injectedIncludeUsage: injected)
        for data in datas {
            let raw = Array("data: ".utf8) + data + Array("\n\n".utf8)
            guard let event = Self.event(raw) else { continue }
            guard single.process(event) == tape.processViaTape(event) else { return false }
        }
        return single.reported == tape.reported && single.reportedFinal == tape.reportedFinal
            && single.outputBytes == tape.outputBytes && single.toolCalls == tape.toolCalls && single.choices == tape.choices
            && single.finishSeen == tape.finishSeen && single.malformedEvents == tape.malformedEvents
            && single.finish(cut: false) == tape.finish(cut: false) && single.finish(cut: true) == tape.finish(cut: true)
    }

    /// The one event `raw` parses to (nil when it holds a line break of its own making more).
    static func event(_ raw: [UInt8]) -> SSEEvent? {
        var p = SSEParser()
        var out: [SSEEvent] = []
        raw.withUnsafeBytes { try? p.feed($0) { out.append($0) } }
        return out.count == 1 ? out[0] : nil
    }

    /// Fixtures and edge cases (placement, duplicates, escaped keys, wrong types, depth, bad syntax), one at a time and as one stream.
    @Test func fixturesAndEdgeCases() {
        for injected in [false, true] {
            for api in [LLMAPI.openAIChat, .openAICompletions] {
                for c in Self.chunks {
                    #expect(Self.agree([Array(c.utf8)], api: api, injected: injected), "\(c.prefix(160))")
                }
                #expect(Self.agree(Self.chunks.map { Array($0.utf8) }, api: api, injected: injected))
            }
        }
    }

    static let anthropicEvents: [String] = [
        #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#,
        #"{"type":"ping"}"#, #"{"type":"content_block_stop","index":0}"#, #"{"type":"message_stop"}"#,
        #"{"delta":{"type":"input_json_delta","partial_json":"{\"a\":"},"index":1,"type":"content_block_delta"}"#,
        #"{"type":"content_block_delta","delta":{"type":"thinking_delta","thinking":"caf\u00e9"}}"#,
        #"{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":25,"output_tokens":1,"cache_read_input_tokens":7}}}"#,
        #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"get_weather","input":{}}}"#,
        #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}"#,
        #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        #"{"type":"content_block_delta","type":"ping"}"#, #"{"type":"content_block_delta","delta":{},"delta":{}}"#,
        #"{"type":"content_block_delta","usage":1,"usage":2}"#, #"{"t\u0079pe":"content_block_delta","delta":{"text":"x"}}"#,
        #"{"type":"content\u005fblock_delta","delta":{"text":"x"}}"#, #"{"type":7,"delta":{"text":"x"}}"#, #"{"delta":{"text":"x"}}"#,
        #"{"type":"content_block_delta","delta":"plain"}"#, #"{"type":"content_block_delta","delta":[1,"ab",{"k":"v"}]}"#,
        #"{"type":"content_block_delta","delta":{"text":"x"}} x"#, #"{"type":"ping","#, "[]", "null", "",
    ]

    /// Anthropic events one at a time and as one stream, against the tape path.
    @Test func anthropicEventsAgree() {
        for e in Self.anthropicEvents {
            #expect(Self.agree([Array(e.utf8)], api: .anthropicMessages, injected: false), "\(e)")
        }
        #expect(Self.agree(Self.anthropicEvents.map { Array($0.utf8) }, api: .anthropicMessages, injected: false))
        let alphabet = Array(#"{}[],:"\ 0123456789truefalsn"#.utf8)
        for e in Self.anthropicEvents.prefix(10) {
            let bytes = Array(e.utf8)
            for m in oneByteMutations(of: bytes, count: 200, alphabet: alphabet) {
                #expect(Self.agree([m], api: .anthropicMessages, injected: false), "\(String(decoding: m, as: UTF8.self))")
            }
        }
    }

    static let responsesEvents: [String] = [
        #"{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hello"}"#,
        #"{"type":"response.created","response":{"id":"resp_1","status":"in_progress"}}"#,
        #"{"type":"response.function_call_arguments.delta","delta":"{\"city\":"}"#,
        #"{"type":"response.reasoning_summary_text.delta","delta":"caf\u00e9"}"#,
        #"{"type":"response.output_item.added","item":{"type":"function_call","name":"f"}}"#,
        #"{"type":"response.completed","response":{"usage":{"input_tokens":10,"output_tokens":5,"input_tokens_details":{"cached_tokens":2}}}}"#,
        #"{"type":"response.output_text.done","text":"Hello"}"#, #"{"type":".delta","delta":["a",{"b":"c"}]}"#,
        #"{"type":"x\u002edelta","delta":"x"}"#, #"{"type":"é.delta","delta":"x"}"#, #"{"type":"\u0600.delta","delta":"x"}"#, "{\"type\":\"\u{600}.delta\",\"delta\":\"x\"}",
        #"{"type":"a.delta","type":"b"}"#, #"{"type":"a.delta","delta":"x","delta":"y"}"#, #"{"type":"a.delta","item":1,"item":2}"#,
        #"{"ty\u0070e":"a.delta","delta":"x"}"#, #"{"type":1,"delta":"x"}"#, #"{"delta":"x"}"#, #"{"type":"a.delta"} x"#, "[]", "",
    ]

    /// Responses events one at a time and as one stream, against the tape path.
    @Test func responsesEventsAgree() {
        for e in Self.responsesEvents {
            #expect(Self.agree([Array(e.utf8)], api: .openAIResponses, injected: false), "\(e)")
        }
        #expect(Self.agree(Self.responsesEvents.map { Array($0.utf8) }, api: .openAIResponses, injected: false))
        let info = LLMRequestInfo(api: .openAIResponses, model: "gpt-4o", stream: true)
        for (e, single) in [(Self.responsesEvents[0], true), (Self.responsesEvents[1], true), (Self.responsesEvents[5], false)] {
            var t = StreamUsageTracker(request: info, injectedIncludeUsage: false)
            let answer = Array(e.utf8).withUnsafeBytes { OpenAIResponses.observeSinglePass($0, into: &t) }
            #expect((answer != nil) == single, "\(e)")
        }
    }

    static let geminiChunks: [String] = [
        #"{"candidates":[{"content":{"parts":[{"text":"Hello"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":1,"totalTokenCount":9},"modelVersion":"gemini-2.0-flash"}"#,
        #"{"candidates":[{"content":{"parts":[{"text":" world"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":3,"thoughtsTokenCount":2,"cachedContentTokenCount":4,"toolUsePromptTokenCount":1}}"#,
        #"{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":"b"}}}]}},{"index":1,"content":{"parts":[{"text":"caf\u00e9"}]}},7,null],"usageMetadata":null}"#,
        #"{"candidates":{"index":0},"usageMetadata":[]}"#, #"{"candidates":[],"candidates":[]}"#, #"{"usageMetadata":{},"usageMetadata":{}}"#,
        #"{"candidates":[{"index":0,"index":1}]}"#, #"{"candidates":[{"content":{},"content":{}}]}"#, #"{"candidates":[{"finishReason":null,"finishReason":"STOP"}]}"#,
        #"{"c\u0061ndidates":[{"index":3}]}"#, #"{"candidates":[{"ind\u0065x":3}]}"#,
        #"{"usageMetadata":{"promptTokenCount":1,"promptTokenCount":2}}"#, #"{"usageMetadata":{"prompt\u0054okenCount":5}}"#,
        #"{"candidates":[{"index":-1,"content":"x"},{"index":2e1}]} x"#, #"{"candidates":[}"#, "[]", "",
    ]

    /// Gemini chunks one at a time and as one stream, against the tape path.
    @Test func geminiChunksAgree() {
        for api in [LLMAPI.geminiStreamGenerateContent, .geminiGenerateContent] {
            for c in Self.geminiChunks {
                #expect(Self.agree([Array(c.utf8)], api: api, injected: false), "\(c)")
                for m in oneByteMutations(of: c, count: 60) {
                    #expect(Self.agree([m], api: api, injected: false), "\(String(decoding: m, as: UTF8.self))")
                }
            }
            #expect(Self.agree(Self.geminiChunks.map { Array($0.utf8) }, api: api, injected: false))
        }
        let info = LLMRequestInfo(api: .geminiStreamGenerateContent, model: "gemini-2.0-flash", stream: true)
        for c in Self.geminiChunks.prefix(3) {
            var t = StreamUsageTracker(request: info, injectedIncludeUsage: false)
            #expect(Array(c.utf8).withUnsafeBytes { Gemini.observeSinglePass($0, into: &t) } != nil, "\(c)")
        }
    }

    /// Text deltas and pings are answered by the single pass itself; usage events go to the tape.
    @Test func anthropicDeltasTakeTheSinglePass() {
        let info = LLMRequestInfo(api: .anthropicMessages, model: "claude", stream: true)
        for (e, single) in [(Self.anthropicEvents[0], true), (Self.anthropicEvents[1], true), (Self.anthropicEvents[6], false)] {
            var t = StreamUsageTracker(request: info, injectedIncludeUsage: false)
            let answer = Array(e.utf8).withUnsafeBytes { Anthropic.observeSinglePass($0, into: &t) }
            #expect((answer != nil) == single, "\(e)")
        }
    }

    /// The usual chunks are answered by the single pass itself (else it would never run).
    @Test func usualChunksTakeTheSinglePass() {
        for c in Self.chunks.prefix(14) {
            for injected in [false, true] {
                let info = LLMRequestInfo(api: .openAIChat, model: "m", stream: true)
                var t = StreamUsageTracker(request: info, injectedIncludeUsage: injected)
                let answer = Array(c.utf8).withUnsafeBytes { OpenAIChat.observeSinglePass($0, text: .delta, into: &t) }
                #expect(answer != nil, "\(c)")
            }
        }
    }

    /// A chunk the single pass refuses leaves the tracker as it was (the tape path then counts it once).
    @Test func refusalLeavesTheTrackerUntouched() {
        let info = LLMRequestInfo(api: .openAIChat, model: "m", stream: true)
        var t = StreamUsageTracker(request: info, injectedIncludeUsage: true)
        let refused = Array(#"{"choices":[{"index":4,"delta":{"content":"abc"}},{"index":0,"index":1}]}"#.utf8)
        let answer = refused.withUnsafeBytes { OpenAIChat.observeSinglePass($0, text: .delta, into: &t) }
        #expect(answer == nil)
        #expect(t.outputBytes == 0 && t.choices == 0 && t.toolCalls == 0 && !t.finishSeen)
    }

    /// The removal of an injected "usage":null leaves the client exactly the chunk without it, wherever it sits.
    @Test func strippedChunksAreTheOriginalWithoutUsage() {
        let cases: [(String, String)] = [
            (#"{"id":"c","choices":[],"usage":null}"#, #"{"id":"c","choices":[]}"#),
            (#"{"usage":null,"id":"c"}"#, #"{"id":"c"}"#),
            (#"{"usage":null}"#, #"{}"#),
            (#"{"id":"c" , "usage" : null }"#, #"{"id":"c" }"#),
        ]
        for (chunk, client) in cases {
            let info = LLMRequestInfo(api: .openAIChat, model: "m", stream: true)
            var t = StreamUsageTracker(request: info, injectedIncludeUsage: true)
            guard let e = Self.event(Array("data: \(chunk)\n\n".utf8)) else {
                Issue.record("no event")
                continue
            }
            #expect(t.process(e) == .replace(Array("data: \(client)\n\n".utf8)), "\(chunk)")
        }
    }

    /// Every fixture with one byte deleted, replaced or duplicated at random positions.
    @Test func mutatedChunks() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[],:"\ 0123456789.eE+-truefalsnu"#.utf8) + [0x00, 0xC3, 0xFF]
        var checked = 0
        for c in Self.chunks {
            let bytes = Array(c.utf8)
            guard !bytes.isEmpty else { continue }
            for m in oneByteMutations(of: bytes, count: 120, alphabet: alphabet) {
                if m.contains(0x0A) || m.contains(0x0D) { continue }
                let injected = Bool.random(using: &rng)
                #expect(Self.agree([m], injected: injected), "\(String(decoding: m, as: UTF8.self).prefix(200))")
                checked += 1
            }
        }
        #expect(checked > 3000)
    }

    /// Generated chunks: random member order, repeats, types and nesting, fed as streams.
    @Test func generatedStreams() {
        var rng = SystemRandomNumberGenerator()
        let rootKeys = ["id", "object", "choices", "choices", "usage", "usage", "model", #"us\u0061ge"#]
        let choiceKeys = ["index", "delta", "text", "finish_reason", "logprobs", "x", #"ind\u0065x"#]
        let deltaKeys = ["content", "role", "tool_calls", "refusal", "reasoning_content", "function", "arguments"]
        let usageKeys = ["prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details", "cached_tokens", "reasoning_tokens"]
        func scalar() -> String {
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: return String(Int.random(in: -5...100_000, using: &rng))
            case 1: return "null"
            case 2: return ["\"caf\\u00e9\"", "\"\"", "\"a\\\"b\"", "\"stop\""].randomElement(using: &rng)!
            case 3: return ["1.5", "2e1", "0"].randomElement(using: &rng)!
            case 4: return Bool.random(using: &rng) ? "true" : "false"
            default: return "\"" + String(repeating: "w", count: Int.random(in: 0...12, using: &rng)) + "\""
            }
        }
        func object(_ keys: [String], _ depth: Int) -> String {
            let n = Int.random(in: 0...4, using: &rng)
            return "{" + (0..<n).map { _ in "\"\(keys.randomElement(using: &rng)!)\":\(value(keys, depth + 1))" }.joined(separator: ",") + "}"
        }
        func array(_ keys: [String], _ depth: Int) -> String {
            "[" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(keys, depth + 1) }.joined(separator: ",") + "]"
        }
        func value(_ keys: [String], _ depth: Int) -> String {
            if depth > 4 { return scalar() }
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: return object(keys, depth)
            case 1: return array(keys, depth)
            default: return scalar()
            }
        }
        func choice() -> String {
            if Int.random(in: 0..<8, using: &rng) == 0 { return scalar() }
            let n = Int.random(in: 0...4, using: &rng)
            return "{" + (0..<n).map { _ in
                let k = choiceKeys.randomElement(using: &rng)!
                let v = k == "delta" ? (Bool.random(using: &rng) ? object(deltaKeys, 1) : value(deltaKeys, 1)) : value(deltaKeys, 2)
                return "\"\(k)\":\(v)"
            }.joined(separator: ",") + "}"
        }
        for _ in 0..<1500 {
            var stream: [[UInt8]] = []
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let n = Int.random(in: 0...5, using: &rng)
                let body = "{" + (0..<n).map { _ in
                    let k = rootKeys.randomElement(using: &rng)!
                    let v: String
                    switch k {
                    case "choices": v = Int.random(in: 0..<6, using: &rng) == 0 ? value(deltaKeys, 3) : "[" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in choice() }.joined(separator: ",") + "]"
                    case "usage": v = Bool.random(using: &rng) ? "null" : object(usageKeys, 2)
                    default: v = scalar()
                    }
                    return "\"\(k)\":\(v)"
                }.joined(separator: ",") + "}"
                stream.append(Array(body.utf8))
            }
            let injected = Bool.random(using: &rng)
            let api: LLMAPI = Bool.random(using: &rng) ? .openAIChat : .openAICompletions
            #expect(Self.agree(stream, api: api, injected: injected), "\(stream.map { String(decoding: $0, as: UTF8.self) })")
        }
    }
}

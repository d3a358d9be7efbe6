import Testing
import TollgateHTTP
@testable import TollgateLLM

/// Mutated and re-split inputs: nothing traps, and splitting a stream differently never
/// changes what the client receives or the usage.
struct RobustnessTests {
    static let bodies = [
        OpenAIFixtures.chatStreamRequest, OpenAIFixtures.chatReasoningCached, OpenAIFixtures.response,
        AnthropicFixtures.messageCacheWrite, GeminiFixtures.response,
        #"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAABAAAAAQACAIAAAAAAAAAAAAAAA=="}}]}]}"#,
    ]
    static let streams = [
        OpenAIFixtures.chatStreamWithUsage, OpenAIFixtures.compatStreamUsageFirst, OpenAIFixtures.responseStream,
        AnthropicFixtures.stream, GeminiFixtures.stream,
    ]

    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    }

    static func mutate(_ bytes: [UInt8], _ rng: inout Rng) -> [UInt8] {
        var b = bytes
        let interesting: [UInt8] = Array("{}[]\",:\\0-e.9 nulltrue\u{FF}".utf8) + [0x00, 0x80, 0xC3, 0xFF]
        for _ in 0..<(1 + rng.below(4)) {
            guard !b.isEmpty else { break }
            let i = rng.below(b.count)
            switch rng.below(4) {
            case 0: b[i] = interesting[rng.below(interesting.count)]
            case 1: b.remove(at: i)
            case 2: b.insert(interesting[rng.below(interesting.count)], at: i)
            default: b = Array(b[..<i]) + Array(b[rng.below(b.count)...])
            }
        }
        return b
    }

    /// Inspection and usage extraction survive thousands of mutated bodies for every API.
    @Test func mutatedBodies() {
        var rng = Rng(state: 42)
        for _ in 0..<1500 {
            let body = Self.mutate(Array(Self.bodies[rng.below(Self.bodies.count)].utf8), &rng)
            for api in LLMAPI.allCases {
                if let info = try? LLMRequestInfo.inspect(api: api, body: body, path: "/v1beta/models/x:generateContent") {
                    #expect(info.promptTokenBound >= 0)
                    _ = try? LLMRequestRewriter.settingMaxOutputTokens(5, api: api, body: body)
                    _ = try? LLMRequestRewriter.ensuringIncludeUsage(api: api, body: body)
                }
                _ = try? Usage.fromResponse(api: api, body: body)
            }
        }
    }

    /// The tracker survives mutated streams for every API and only ever forwards or rewrites.
    @Test func mutatedStreams() throws {
        var rng = Rng(state: 7)
        let info = try inspect(.openAIChat, OpenAIFixtures.chatStreamRequest)
        for _ in 0..<600 {
            let text = String(decoding: Self.mutate(Array(Self.streams[rng.below(Self.streams.count)].utf8), &rng), as: UTF8.self)
            for api in LLMAPI.allCases {
                var req = info
                req.api = api
                var t = StreamUsageTracker(request: req, injectedIncludeUsage: rng.below(2) == 0)
                let (_, usage) = track(text, &t, cut: rng.below(2) == 0)
                #expect(usage.inputTokens >= 0 && usage.outputTokens >= 0)
            }
        }
    }

    /// Feeding a stream in random pieces gives the same client bytes and usage as whole.
    @Test(arguments: streams)
    func splitFeeds(_ text: String) throws {
        let info = try inspect(.openAIChat, OpenAIFixtures.chatStreamRequest)
        let apis: [LLMAPI] = [.openAIChat, .openAIResponses, .anthropicMessages, .geminiStreamGenerateContent]
        var rng = Rng(state: UInt64(text.utf8.count))
        let bytes = Array(text.utf8)
        for api in apis {
            var req = info
            req.api = api
            var whole = StreamUsageTracker(request: req, injectedIncludeUsage: true)
            let expected = track(text, &whole)
            for _ in 0..<20 {
                var parser = SSEParser()
                var t = StreamUsageTracker(request: req, injectedIncludeUsage: true)
                var client: [UInt8] = []
                var offset = 0
                while offset < bytes.count {
                    let n = min(bytes.count - offset, 1 + rng.below(40))
                    bytes[offset..<(offset + n)].withUnsafeBytes { chunk in
                        try? parser.feed(chunk) { e in
                            switch t.process(e) {
                            case .forward: client += e.raw
                            case .drop: break
                            case .replace(let r): client += r
                            }
                        }
                    }
                    offset += n
                }
                if let rest = parser.finish() { client += rest.raw; _ = t.process(rest) }
                #expect(String(decoding: client, as: UTF8.self) == expected.client)
                #expect(t.finish(cut: false) == expected.usage)
            }
        }
    }
}

/// Inputs the stream fuzzer found.
struct StreamFuzzRegressionTests {
    /// Multi-line data with invalid UTF-8: String repair must not make it valid JSON, so the
    /// event is forwarded untouched (fuzz crash-8e0223d8).
    @Test func invalidUTF8InMultiLineData() throws {
        let raw: [UInt8] = Array("data:\ndata: {\"c".utf8) + [0xFF] + Array("hoices\":[],\"usage\":{\"prompt_tokens\":1}}\n\n".utf8)
        var parser = SSEParser()
        var events: [SSEEvent] = []
        raw.withUnsafeBytes { try? parser.feed($0) { events.append($0) } }
        #expect(events.count == 1)
        let info = try inspect(.openAIChat, OpenAIFixtures.chatStreamRequest)
        var t = StreamUsageTracker(request: info, injectedIncludeUsage: true)
        #expect(t.process(events[0]) == .forward)
        #expect(t.malformedEvents == 1)
    }

    /// Multi-line data that is valid JSON is read from the exact bytes and rewritten as one event.
    @Test func multiLineDataRewrite() throws {
        let text = "event: x\ndata: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\ndata: \"usage\":null}\n\n"
        let info = try inspect(.openAIChat, OpenAIFixtures.chatStreamRequest)
        var t = StreamUsageTracker(request: info, injectedIncludeUsage: true)
        let (client, _) = track(text, &t)
        // The cut (",\n\"usage\":null") spans the line break, so the rebuilt event has one line.
        #expect(client == "event: x\ndata: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n")
    }
}

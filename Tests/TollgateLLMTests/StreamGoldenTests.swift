import Testing
@testable import TollgateLLM
import TollgateJSON

/// Streams: usage from SSE events, estimates without them, and include_usage injection.
struct StreamGoldenTests {
    let chatRequest = try! inspect(.openAIChat, OpenAIFixtures.chatStreamRequest)

    /// A chat stream whose client asked for usage: forwarded untouched, usage exact.
    @Test func openAIChatClientUsage() {
        var t = StreamUsageTracker(request: chatRequest, injectedIncludeUsage: false)
        let (client, usage) = track(OpenAIFixtures.chatStreamWithUsage, &t)
        #expect(client == OpenAIFixtures.chatStreamWithUsage)
        #expect(usage == Usage(inputTokens: 19, outputTokens: 2))
        #expect(price("gpt-4o-mini").cost(usage) == 5) // 19*0.15 + 2*0.60 = 4.05
    }

    /// Tollgate injected include_usage: the client gets exactly the stream it would have got
    /// without Tollgate, and the usage is still exact.
    @Test func openAIChatInjectedUsageIsInvisible() throws {
        let (body, added) = try LLMRequestRewriter.ensuringIncludeUsage(api: .openAIChat, body: Array(OpenAIFixtures.chatStreamRequest.utf8))
        #expect(added)
        #expect(String(decoding: body, as: UTF8.self) == #"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello world"}],"max_tokens":50,"stream_options":{"include_usage":true}}"#)
        var t = StreamUsageTracker(request: chatRequest, injectedIncludeUsage: added)
        let (client, usage) = track(OpenAIFixtures.chatStreamWithUsage, &t)
        #expect(client == OpenAIFixtures.chatStreamWithoutUsage)
        #expect(usage == Usage(inputTokens: 19, outputTokens: 2))
    }

    /// Injection stripping also works with "usage" before "choices" and CRLF line ends.
    @Test func injectedUsageOtherPlacement() {
        var t = StreamUsageTracker(request: chatRequest, injectedIncludeUsage: true)
        let (client, usage) = track(OpenAIFixtures.compatStreamUsageFirst, &t)
        #expect(client == OpenAIFixtures.compatStreamUsageFirstClient)
        #expect(usage == Usage(inputTokens: 7, outputTokens: 1))
    }

    /// A request that already asks for usage is not rewritten.
    @Test func noInjectionWhenRequested() throws {
        let body = Array(#"{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]}"#.utf8)
        let (out, added) = try LLMRequestRewriter.ensuringIncludeUsage(api: .openAIChat, body: body)
        #expect(!added && out == body)
        let nonStream = Array(#"{"model":"m","messages":[]}"#.utf8)
        #expect(try LLMRequestRewriter.ensuringIncludeUsage(api: .openAIChat, body: nonStream).added == false)
        #expect(try LLMRequestRewriter.ensuringIncludeUsage(api: .anthropicMessages, body: body).added == false)
    }

    /// Legacy completions: injected include_usage is invisible too.
    @Test func completionsInjected() throws {
        let req = try inspect(.openAICompletions, #"{"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test","stream":true,"max_tokens":7}"#)
        var t = StreamUsageTracker(request: req, injectedIncludeUsage: true)
        let (client, usage) = track(OpenAIFixtures.completionStreamWithUsage, &t)
        #expect(client == OpenAIFixtures.completionStreamWithoutUsage)
        #expect(usage == Usage(inputTokens: 5, outputTokens: 5))
    }

    /// No usage event: estimated, input from the request bound, output from content bytes
    /// (capped by max_tokens), never below the truth (19 in, 2 out).
    @Test func openAIChatNoUsage() {
        var t = StreamUsageTracker(request: chatRequest, injectedIncludeUsage: false)
        let (client, usage) = track(OpenAIFixtures.chatStreamWithoutUsage, &t)
        #expect(client == OpenAIFixtures.chatStreamWithoutUsage)
        #expect(usage.estimated)
        #expect(usage.inputTokens == chatRequest.promptTokenBound)
        #expect(usage.inputTokens >= 19)
        // "assistant" + "" + "Hello" + " world" = 20 bytes, + 8 for the one choice.
        #expect(usage.outputTokens == 28)
    }

    /// A stream cut mid-way: everything seen is charged, flagged estimated.
    @Test func openAIChatCut() {
        let text = OpenAIFixtures.chatStreamWithUsage
        let cutAt = text.utf8.count * 3 / 5
        let partial = String(decoding: Array(text.utf8)[..<cutAt], as: UTF8.self)
        var t = StreamUsageTracker(request: chatRequest, injectedIncludeUsage: false)
        let (_, usage) = track(partial, &t, cut: true)
        #expect(usage.estimated)
        #expect(usage.outputTokens >= 2)
        #expect(usage.inputTokens >= 19)
    }

    /// Reasoning models hide tokens: without usage the estimate charges the output cap.
    @Test func reasoningModelEstimateUsesCap() throws {
        let req = try inspect(.openAIChat, #"{"model":"o3","stream":true,"max_completion_tokens":5000,"messages":[{"role":"user","content":"x"}]}"#)
        #expect(req.hiddenReasoningPossible)
        var t = StreamUsageTracker(request: req, injectedIncludeUsage: false)
        let (_, usage) = track(OpenAIFixtures.chatStreamWithoutUsage, &t)
        #expect(usage.outputTokens == 5000 && usage.estimated)
    }

    /// Responses API stream: usage from response.completed.
    @Test func openAIResponsesStream() throws {
        let req = try inspect(.openAIResponses, #"{"model":"o3","input":"Hi","stream":true}"#)
        var t = StreamUsageTracker(request: req, injectedIncludeUsage: true)
        let (client, usage) = track(OpenAIFixtures.responseStream, &t)
        #expect(client == OpenAIFixtures.responseStream)
        #expect(usage == Usage(inputTokens: 2048, outputTokens: 300, cachedInputTokens: 1920, reasoningTokens: 256))
        // 128*2 + 1920*0.5 + 300*8 = 3616
        #expect(price("o3-2025-04-16").cost(usage) == 3616)
    }

    /// Anthropic stream: message_start input/cache + message_delta cumulative output.
    @Test func anthropicStream() throws {
        let req = try inspect(.anthropicMessages, #"{"model":"claude-opus-4-1","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"Hello"}]}"#)
        var t = StreamUsageTracker(request: req, injectedIncludeUsage: false)
        let (client, usage) = track(AnthropicFixtures.stream, &t)
        #expect(client == AnthropicFixtures.stream)
        #expect(usage == Usage(inputTokens: 2520, outputTokens: 15, cachedInputTokens: 2048))
        // 472*15 + 2048*1.5 + 15*75 = 11277
        #expect(price("claude-opus-4-1-20250805").cost(usage) == 11277)
    }

    /// Anthropic stream cut before message_delta: input exact from message_start, output
    /// estimated from the text seen.
    @Test func anthropicStreamCut() throws {
        let req = try inspect(.anthropicMessages, #"{"model":"claude-opus-4-1","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"Hello"}]}"#)
        var t = StreamUsageTracker(request: req, injectedIncludeUsage: false)
        let (_, usage) = track(AnthropicFixtures.streamCut, &t, cut: true)
        #expect(usage.estimated)
        #expect(usage.inputTokens == 2520 && usage.cachedInputTokens == 2048)
        // "text" + "" + "text_delta" + "Hello" + "text_delta" + "!" = 30 bytes, + 8.
        #expect(usage.outputTokens == 38)
    }

    /// Gemini SSE stream: the final chunk's usageMetadata.
    @Test func geminiStream() throws {
        let req = try inspect(.geminiStreamGenerateContent, #"{"contents":[{"role":"user","parts":[{"text":"Write a story"}]}]}"#, path: "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse")
        var t = StreamUsageTracker(request: req, injectedIncludeUsage: false)
        let (client, usage) = track(GeminiFixtures.stream, &t)
        #expect(client == GeminiFixtures.stream)
        #expect(usage == Usage(inputTokens: 8, outputTokens: 6))
        #expect(price("gemini-2.0-flash").cost(usage) == 4) // 3.2 rounded up
    }

    /// Gemini stream cut before the final chunk: the running usage is not final.
    @Test func geminiStreamCut() throws {
        let req = try inspect(.geminiStreamGenerateContent, #"{"contents":[{"parts":[{"text":"Write a story"}]}]}"#, path: "/v1beta/models/gemini-2.0-flash:streamGenerateContent")
        let firstTwo = GeminiFixtures.stream.components(separatedBy: "\r\n\r\n").prefix(2).joined(separator: "\r\n\r\n") + "\r\n\r\n"
        var t = StreamUsageTracker(request: req, injectedIncludeUsage: false)
        let (_, usage) = track(firstTwo, &t, cut: true)
        #expect(usage.estimated && usage.inputTokens == 8 && usage.outputTokens >= 6)
    }

    /// Gemini stream without usageMetadata: estimated from the prompt bound and text seen.
    @Test func geminiNoUsage() throws {
        let req = try inspect(.geminiStreamGenerateContent, #"{"contents":[{"parts":[{"text":"Hi"}]}],"generationConfig":{"maxOutputTokens":100}}"#, path: "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:streamGenerateContent")
        var t = StreamUsageTracker(request: req, injectedIncludeUsage: false)
        let (_, usage) = track(GeminiFixtures.streamNoUsage, &t)
        #expect(usage.estimated && usage.inputTokens == req.promptTokenBound)
        // "Hi" + "model" + " there" + "model" = 18 bytes + 8.
        #expect(usage.outputTokens == 26)
    }

    /// Malformed data is forwarded untouched and counted conservatively.
    @Test func malformedEvent() {
        var t = StreamUsageTracker(request: chatRequest, injectedIncludeUsage: true)
        let text = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}\n\n: keep-alive\n\n"
        let (client, usage) = track(text, &t)
        #expect(client == text)
        #expect(t.malformedEvents == 1)
        #expect(usage.estimated && usage.outputTokens > 0)
    }
}

@Suite struct RootMemberRemovalTests {
    /// Removal ranges taken from the validating pass equal the scanner's, wherever the member
    /// stands and however the object is spaced.
    @Test func sameAsScanner() throws {
        let docs = [
            #"{"usage":null,"choices":[1]}"#, #"{"choices":[1],"usage":null}"#, #"{ "a" : 1 , "usage" : null , "b" : 2 }"#,
            #"{"usage":null}"#, "{\n  \"x\": 1,\n  \"usage\": null\n}", #"{"a":1,"usage":{"k":[1,2]},"c":"d"}"#,
            #"{"us\u0061ge":1,"b":[{"usage":2}]}"#, #"{"a":{"usage":1},"usage" :[ ],"z":{}}"#, #"{"x":1}"#, "{}", "[1]",
            #"{"usage":1,"usage":2}"#, #"{"a":1,"usage":1,"b":2,"us\u0061ge":3}"#, "{\"a\":1 ,\t\"usage\"\r\n:\"s\"}",
        ]
        for text in docs {
            let bytes = Array(text.utf8)
            try bytes.withUnsafeBytes { buf in
                let doc = try JSONDocument(buf)
                let fast = Result { () throws(JSONParseError) in try doc.rootMember("usage") }
                let slow = Result { () throws(JSONParseError) -> JSONMember? in
                    doc.root.kind == .object ? try JSONScanner().member("usage", of: doc.root, in: buf) : nil
                }
                switch (fast, slow) {
                case (.success(let a), .success(let b)): #expect(a == b, "\(text)")
                case (.failure(let a), .failure(let b)): #expect(a.code == b.code && a.offset == b.offset, "\(text)")
                default: Issue.record("rootMember and the scanner disagree on \(text)")
                }
            }
        }
    }
}

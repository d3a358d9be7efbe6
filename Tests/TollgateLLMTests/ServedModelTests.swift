import Testing
@testable import TollgateLLM
import TollgateJSON

/// The model a response says served it (model_served in usage records), non-stream and stream.
struct ServedModelTests {
    /// Each provider's non-stream fixture names its model; both read paths find it.
    @Test func nonStreamFixtures() throws {
        let cases: [(LLMAPI, String, String?)] = [
            (.openAIChat, OpenAIFixtures.chatReasoningCached, "o4-mini-2025-04-16"),
            (.openAIEmbeddings, OpenAIFixtures.embeddings, "text-embedding-3-small"),
            (.openAIResponses, OpenAIFixtures.response, "gpt-4.1-2025-04-14"),
            (.anthropicMessages, AnthropicFixtures.messageCacheWrite, "claude-sonnet-4-20250514"),
            (.anthropicCountTokens, AnthropicFixtures.countTokens, nil),
            (.geminiGenerateContent, GeminiFixtures.response, "gemini-2.5-flash"),
        ]
        for (api, body, model) in cases {
            #expect(try ResponseFacts.read(api: api, body: Array(body.utf8)).model == model, "\(api)")
            #expect(try ResponseFacts.readViaTape(api: api, body: Array(body.utf8)).model == model, "\(api)")
        }
    }

    /// Escapes are decoded; a repeated, empty, non-string or over-long name is no name, and never costs the usage.
    @Test func oddNamesLoseOnlyTheName() throws {
        func read(_ body: String) throws -> ResponseFacts { try ResponseFacts.read(api: .openAIChat, body: Array(body.utf8)) }
        #expect(try read(#"{"model":"gpt-\u0034o","usage":{"prompt_tokens":3}}"#).model == "gpt-4o")
        let repeated = try read(#"{"model":"a","usage":{"prompt_tokens":3},"model":"b"}"#)
        #expect(repeated.model == nil && repeated.usage?.inputTokens == 3)
        #expect(try read(#"{"model":"","usage":{}}"#).model == nil)
        #expect(try read(#"{"model":["x"],"usage":{}}"#).model == nil)
        let long = String(repeating: "m", count: ServedModel.maxBytes)
        #expect(try read("{\"model\":\"\(long)\"}").model == long)
        #expect(try read("{\"model\":\"\(long)m\"}").model == nil)
        #expect(throws: JSONParseError.self) { try read(#"{"model":"x","usage":{"prompt_tokens":1},"usage":{}}"#) }
    }

    /// A streamed answer from a Gemini streamGenerateContent array names the model in its first element.
    @Test func geminiArrayResponse() throws {
        let body = #"[{"candidates":[],"modelVersion":"gemini-2.0-flash-001"},{"usageMetadata":{"promptTokenCount":2,"candidatesTokenCount":1},"modelVersion":"gemini-2.0-flash-001"}]"#
        let facts = try ResponseFacts.read(api: .geminiStreamGenerateContent, body: Array(body.utf8))
        #expect(facts.model == "gemini-2.0-flash-001" && facts.usage?.inputTokens == 2)
    }

    /// Streams: OpenAI chunks, Anthropic message_start, Responses response.created, Gemini chunks.
    @Test func streamFixtures() throws {
        let cases: [(LLMAPI, String, String, String?)] = [
            (.openAIChat, OpenAIFixtures.chatStreamRequest, OpenAIFixtures.chatStreamWithUsage, "gpt-4o-mini-2024-07-18"),
            (.anthropicMessages, #"{"model":"claude-opus-4-1","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"Hi"}]}"#,
             AnthropicFixtures.stream, "claude-opus-4-1-20250805"),
            (.openAIResponses, #"{"model":"o3","input":"Hi","stream":true}"#, OpenAIFixtures.responseStream, "o3-2025-04-16"),
            (.geminiStreamGenerateContent, #"{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}"#, GeminiFixtures.stream, "gemini-2.0-flash"),
            (.geminiStreamGenerateContent, #"{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}"#, GeminiFixtures.streamNoUsage, nil),
        ]
        for (api, request, stream, model) in cases {
            let path = api == .geminiStreamGenerateContent ? "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse" : nil
            let info = try inspect(api, request, path: path)
            var single = StreamUsageTracker(request: info, injectedIncludeUsage: false)
            var viaTape = single
            for e in sseEvents(stream) {
                _ = single.process(e)
                _ = viaTape.processViaTape(e)
            }
            #expect(single.servedModel == model, "\(api)")
            #expect(viaTape.servedModel == model, "\(api)")
        }
    }

    /// Only the first data events are probed: a model named first in the fourth is not looked for.
    @Test func streamProbesAreBounded() throws {
        let info = try inspect(.openAIChat, OpenAIFixtures.chatStreamRequest)
        var t = StreamUsageTracker(request: info, injectedIncludeUsage: false)
        let chunk = #"data: {"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}"# + "\n\n"
        let named = #"data: {"model":"late","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}"# + "\n\n"
        for e in sseEvents(chunk + chunk + chunk + named) { _ = t.process(e) }
        #expect(t.servedModel == nil)
        var u = StreamUsageTracker(request: info, injectedIncludeUsage: false)
        for e in sseEvents(chunk + named + chunk) { _ = u.process(e) }
        #expect(u.servedModel == "late")
    }
}

import Testing
@testable import TollgateLLM

/// Non-stream responses: exact usage and cost per fixture.
struct UsageGoldenTests {
    /// OpenAI chat: cached prompt tokens and reasoning tokens, priced at o4-mini rates.
    @Test func openAIChatReasoningCached() throws {
        let u = try #require(try responseUsage(.openAIChat, OpenAIFixtures.chatReasoningCached))
        #expect(u == Usage(inputTokens: 1117, outputTokens: 946, cachedInputTokens: 1024, reasoningTokens: 896))
        #expect(u.totalTokens == 2063)
        // 93*1.10 + 1024*0.275 + 946*4.40 = 4546.3 micro-dollars, rounded up.
        #expect(price("o4-mini-2025-04-16").cost(u) == 4547)
    }

    /// OpenAI Responses API usage fields.
    @Test func openAIResponses() throws {
        let u = try #require(try responseUsage(.openAIResponses, OpenAIFixtures.response))
        #expect(u == Usage(inputTokens: 36, outputTokens: 87))
        #expect(price("gpt-4.1-2025-04-14").cost(u) == 768)
    }

    /// Legacy completions usage.
    @Test func openAICompletions() throws {
        let u = try #require(try responseUsage(.openAICompletions, OpenAIFixtures.completion))
        #expect(u == Usage(inputTokens: 5, outputTokens: 7))
        #expect(price("gpt-3.5-turbo-instruct").cost(u) == 22)
    }

    /// Embeddings usage: input only; a fraction of a micro-dollar rounds up to one.
    @Test func openAIEmbeddings() throws {
        let u = try #require(try responseUsage(.openAIEmbeddings, OpenAIFixtures.embeddings))
        #expect(u == Usage(inputTokens: 8))
        #expect(price("text-embedding-3-small").cost(u) == 1)
    }

    /// Anthropic: input_tokens excludes cache writes; they are added and priced at the write rate.
    @Test func anthropicCacheWrite() throws {
        let u = try #require(try responseUsage(.anthropicMessages, AnthropicFixtures.messageCacheWrite))
        #expect(u == Usage(inputTokens: 188_107, outputTokens: 393, cacheWriteTokens: 188_086))
        #expect(u.uncachedInputTokens == 21)
        // 21*3 + 188086*3.75 + 393*15 = 711280.5
        #expect(price("claude-sonnet-4-20250514").cost(u) == 711_281)
    }

    /// Anthropic: cache reads are added to input and priced at the read rate.
    @Test func anthropicCacheRead() throws {
        let u = try #require(try responseUsage(.anthropicMessages, AnthropicFixtures.messageCacheRead))
        #expect(u == Usage(inputTokens: 100_050, outputTokens: 200, cachedInputTokens: 100_000))
        #expect(price("claude-3-5-haiku-20241022").cost(u) == 8840)
    }

    /// count_tokens is free: zero usage.
    @Test func anthropicCountTokens() throws {
        #expect(try responseUsage(.anthropicCountTokens, AnthropicFixtures.countTokens) == .zero)
    }

    /// Gemini: output = candidates + thoughts; cached content is part of the prompt count.
    @Test func gemini() throws {
        let u = try #require(try responseUsage(.geminiGenerateContent, GeminiFixtures.response))
        #expect(u == Usage(inputTokens: 5000, outputTokens: 520, cachedInputTokens: 4000, reasoningTokens: 400))
        #expect(u.totalTokens == 5520)
        // 1000*0.30 + 4000*0.03 + 520*2.50 = 1720
        #expect(price("gemini-2.5-flash").cost(u) == 1720)
    }

    /// Gemini streamGenerateContent without alt=sse answers a JSON array: the last usage counts.
    @Test func geminiArrayBody() throws {
        let body = "[" + GeminiFixtures.stream.split(separator: "\r\n\r\n").map { $0.dropFirst(6) }.joined(separator: ",") + "]"
        #expect(try responseUsage(.geminiStreamGenerateContent, body) == Usage(inputTokens: 8, outputTokens: 6))
    }

    /// Error bodies have no usage; malformed bodies throw.
    @Test func noUsage() throws {
        #expect(try responseUsage(.openAIChat, #"{"error":{"message":"bad","type":"invalid_request_error"}}"#) == nil)
        #expect(try responseUsage(.anthropicMessages, #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#) == nil)
        #expect(throws: (any Error).self) { try responseUsage(.openAIChat, #"{"usage":{"prompt_tokens":1}"#) }
    }
}

/// Non-stream responses without usage: conservative estimates.
struct UsageEstimateTests {
    /// A chat answer without usage: output bounded by the content bytes, input by the request.
    @Test func chatWithoutUsage() throws {
        let req = try inspect(.openAIChat, #"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"max_tokens":100}"#)
        let body = #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, friend."},"finish_reason":"stop"}]}"#
        let u = Usage.estimate(request: req, responseBody: Array(body.utf8))
        #expect(u.estimated && u.inputTokens == req.promptTokenBound)
        // "assistant" 9 + "Hello there, friend." 20 + "stop" 4 = 33, + 8 per choice
        #expect(u.outputTokens == 41)
    }

    /// Capped by max_tokens; embeddings have no output; non-JSON counts whole.
    @Test func capsAndOddBodies() throws {
        let req = try inspect(.anthropicMessages, #"{"model":"claude-3-haiku","max_tokens":5,"messages":[]}"#)
        #expect(Usage.estimate(request: req, responseBody: Array(AnthropicFixtures.messageCacheRead.utf8)).outputTokens == 5)
        let emb = try inspect(.openAIEmbeddings, #"{"model":"text-embedding-3-small","input":"abc"}"#)
        #expect(Usage.estimate(request: emb, responseBody: []) == Usage(inputTokens: 3, estimated: true))
        let chat = try inspect(.openAIChat, #"{"model":"m","messages":[]}"#)
        #expect(Usage.estimate(request: chat, responseBody: Array("not json at all".utf8)).outputTokens == 15 + 8)
    }
}

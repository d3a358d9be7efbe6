import Testing
@testable import TollgateLLM

/// Request inspection: fields, output caps and prompt bounds per provider.
struct RequestInspectionTests {
    /// APIs are recognized from paths, Gemini's model from its path.
    @Test func paths() {
        #expect(LLMAPI(path: "/v1/chat/completions") == .openAIChat)
        #expect(LLMAPI(path: "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21") == .openAIChat)
        #expect(LLMAPI(path: "/v1/completions") == .openAICompletions)
        #expect(LLMAPI(path: "/v1/responses") == .openAIResponses)
        #expect(LLMAPI(path: "/v1/embeddings") == .openAIEmbeddings)
        #expect(LLMAPI(path: "/v1/messages") == .anthropicMessages)
        #expect(LLMAPI(path: "/v1/messages/count_tokens") == .anthropicCountTokens)
        #expect(LLMAPI(path: "/v1beta/models/gemini-2.5-pro:generateContent") == .geminiGenerateContent)
        #expect(LLMAPI(path: "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse") == .geminiStreamGenerateContent)
        #expect(LLMAPI(path: "/v1/models") == nil)
        #expect(LLMAPI.geminiModel(fromPath: "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse") == "gemini-2.5-pro")
        #expect(LLMAPI.geminiModel(fromPath: "/v1/projects/p/locations/l/publishers/google/models/gemini-2.0-flash:generateContent") == "gemini-2.0-flash")
    }

    /// OpenAI chat: fields, n, include_usage, and the bound (text bytes + overheads + image rule).
    @Test func openAIChat() throws {
        let body = #"{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"What is in this image?"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"high"}}]}],"max_tokens":300,"stream":true,"stream_options":{"include_usage":true},"n":2}"#
        let i = try inspect(.openAIChat, body)
        #expect(i.model == "gpt-4o" && i.stream && i.includeUsageRequested)
        #expect(i.maxOutputTokens == 300 && i.maxOutputTokensField == "max_tokens")
        #expect(i.outputMultiplier == 2 && i.outputTokenBound == 600)
        #expect(i.imageCount == 1)
        // text: "system"+"Be brief." (15) + "user" (4) + "text"+"What is in this image?" (26) = 45
        #expect(i.promptTextBytes == 45)
        // 32 request + 2*8 messages + 45 text + 1445 image
        #expect(i.promptTokenBound == 32 + 16 + 45 + 1445)
        #expect(!i.promptBoundIsPartial)
    }

    /// Image bounds follow the model family and detail.
    @Test func openAIImageRules() throws {
        func bound(_ model: String, _ detail: String) throws -> Int64 {
            let b = #"{"model":"\#(model)","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"\#(detail)"}}]}]}"#
            return try inspect(.openAIChat, b).promptTokenBound - 32 - 8 - 4
        }
        #expect(try bound("gpt-4o-2024-08-06", "low") == 85)
        #expect(try bound("gpt-4o-mini", "high") == 48169)
        #expect(try bound("gpt-4.1-mini", "auto") == 3779)
        #expect(try bound("qwen2-vl", "auto") == 16384)
    }

    /// Tools, both cap fields (the larger wins), audio and files.
    @Test func openAIChatToolsAndMedia() throws {
        let tools = #"[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]"#
        let body = #"{"model":"gpt-4o","max_tokens":10,"max_completion_tokens":20,"tools":\#(tools),"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},{"type":"file","file":{"file_id":"file-abc"}}]}]}"#
        let i = try inspect(.openAIChat, body)
        #expect(i.maxOutputTokens == 20 && i.maxOutputTokensField == "max_completion_tokens")
        #expect(i.otherMediaCount == 2 && i.promptBoundIsPartial)
        #expect(i.promptTokenBound == 32 + Int64(tools.utf8.count) + 16 + 8 + 4 + 8 + 100_000)
    }

    /// Responses API: input items, instructions, previous_response_id makes the bound partial.
    @Test func openAIResponses() throws {
        let body = #"{"model":"gpt-4.1","instructions":"Talk like a pirate.","input":[{"role":"user","content":[{"type":"input_text","text":"Hi"},{"type":"input_image","image_url":"https://x/y.png","detail":"low"}]}],"max_output_tokens":256,"previous_response_id":"resp_1","stream":true}"#
        let i = try inspect(.openAIResponses, body)
        #expect(i.model == "gpt-4.1" && i.stream && i.maxOutputTokens == 256 && i.maxOutputTokensField == "max_output_tokens")
        #expect(i.promptBoundIsPartial && i.imageCount == 1)
        // "Talk like a pirate." 19 + "user" 4 + "input_text" 10 + "Hi" 2 = 35
        #expect(i.promptTextBytes == 35)
        #expect(i.promptTokenBound == 32 + 8 + 35 + 85 + 128_000)
    }

    /// Completions: token-id prompts count one per id; batches multiply the output bound.
    @Test func openAICompletions() throws {
        let i = try inspect(.openAICompletions, #"{"model":"gpt-3.5-turbo-instruct","prompt":["abc","de"],"max_tokens":16,"n":2}"#)
        #expect(i.promptTextBytes == 5 && i.outputMultiplier == 4 && i.outputTokenBound == 64)
        let j = try inspect(.openAICompletions, #"{"model":"m","prompt":[1,2,3,4],"best_of":3}"#)
        #expect(j.promptTokenBound == 32 + 4 && j.outputMultiplier == 3)
    }

    /// Embeddings: no output, no chat overhead.
    @Test func embeddings() throws {
        let i = try inspect(.openAIEmbeddings, #"{"model":"text-embedding-3-small","input":["hello","world!"]}"#)
        #expect(i.promptTokenBound == 11 && i.maxOutputTokens == 0)
    }

    /// Anthropic: system blocks, image and document rules, tools, thinking.
    @Test func anthropic() throws {
        let body = #"{"model":"claude-sonnet-4-5","max_tokens":1024,"system":[{"type":"text","text":"You are terse."}],"thinking":{"type":"enabled","budget_tokens":512},"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}},{"type":"text","text":"Summarize"}]}],"tools":[{"name":"t","input_schema":{"type":"object"}}]}"#
        let i = try inspect(.anthropicMessages, body)
        #expect(i.maxOutputTokens == 1024 && i.maxOutputTokensField == "max_tokens" && !i.stream)
        #expect(i.hiddenReasoningPossible && i.imageCount == 1 && i.otherMediaCount == 1)
        let tools = Int64(#"[{"name":"t","input_schema":{"type":"object"}}]"#.utf8.count)
        // system "text"+"You are terse." 18; "user" 4; "text"+"Summarize" 13; pdf 8 bytes + 25000
        #expect(i.promptTokenBound == 32 + 18 + 8 + 4 + 1800 + 8 + 25_000 + 13 + tools + 16)
        let c = try inspect(.anthropicCountTokens, #"{"model":"claude-3-haiku","messages":[{"role":"user","content":"Hi"}]}"#)
        #expect(c.maxOutputTokens == 0 && c.promptTokenBound == 32 + 8 + 4 + 2)
    }

    /// Gemini: model from path, generationConfig cap and candidates, inline image.
    @Test func gemini() throws {
        let body = #"{"contents":[{"role":"user","parts":[{"text":"Describe"},{"inlineData":{"mimeType":"image/jpeg","data":"/9j/4AAQ"}}]}],"systemInstruction":{"parts":[{"text":"Be kind"}]},"generationConfig":{"maxOutputTokens":500,"candidateCount":2}}"#
        let i = try inspect(.geminiGenerateContent, body, path: "/v1beta/models/gemini-2.5-flash:generateContent")
        #expect(i.model == "gemini-2.5-flash" && !i.stream)
        #expect(i.maxOutputTokens == 500 && i.maxOutputTokensField == "generationConfig.maxOutputTokens" && i.outputTokenBound == 1000)
        #expect(i.hiddenReasoningPossible && i.imageCount == 1)
        #expect(i.promptTokenBound == 32 + 7 + 8 + 4 + 8 + 4128)
    }

    /// Bodies Tollgate cannot bound are refused with a code.
    @Test(arguments: [
        (#"{"model":"m","max_tokens":"100"}"#, LLMRequestError.Code.invalidField), (#"{"model":"m","max_tokens":1.5}"#, .invalidField),
        (#"{"model":"m","max_tokens":-1}"#, .invalidField), (#"{"model":7}"#, .invalidField), (#"{"stream":"yes"}"#, .invalidField),
        (#"{"max_tokens":1,"max_tokens":100000}"#, .invalidJSON), (#"[1]"#, .notAnObject), (#"{"model":"m""#, .invalidJSON),
        (#"{"stream_options":[]}"#, .invalidField),
    ])
    func refusals(_ body: String, _ code: LLMRequestError.Code) {
        do {
            _ = try inspect(.openAIChat, body)
            Issue.record("accepted \(body)")
        } catch let e as LLMRequestError {
            #expect(e.code == code, "\(body): \(e)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// null means absent for optional fields.
    @Test func nulls() throws {
        let i = try inspect(.openAIChat, #"{"model":"m","max_tokens":null,"stream":null,"stream_options":null,"n":null,"messages":[]}"#)
        #expect(i.maxOutputTokens == nil && !i.stream && !i.includeUsageRequested && i.outputMultiplier == 1)
    }
}

/// Output-cap rewriting by splicing.
struct RequestRewriteTests {
    func set(_ n: Int64, _ api: LLMAPI, _ body: String, _ provider: ProviderKind? = nil) throws -> String {
        String(decoding: try LLMRequestRewriter.settingMaxOutputTokens(n, api: api, provider: provider, body: Array(body.utf8)), as: UTF8.self)
    }

    /// Each API gets its own field; the rest of the body is byte-identical.
    @Test func perAPI() throws {
        #expect(try set(100, .openAIChat, #"{"model":"o3", "messages":[]}"#) == #"{"model":"o3", "messages":[],"max_completion_tokens":100}"#)
        #expect(try set(100, .openAIChat, #"{"model":"m","messages":[]}"#, .openAICompatible) == #"{"model":"m","messages":[],"max_tokens":100}"#)
        #expect(try set(100, .openAIChat, #"{"max_tokens": 4096, "messages":[]}"#) == #"{"max_tokens": 100, "messages":[]}"#)
        #expect(try set(7, .openAIChat, #"{"max_tokens":1,"max_completion_tokens":2}"#) == #"{"max_tokens":7,"max_completion_tokens":7}"#)
        #expect(try set(100, .openAIResponses, #"{"input":"x"}"#) == #"{"input":"x","max_output_tokens":100}"#)
        #expect(try set(100, .anthropicMessages, #"{"max_tokens":8192,"messages":[]}"#) == #"{"max_tokens":100,"messages":[]}"#)
        #expect(try set(100, .geminiGenerateContent, #"{"contents":[]}"#) == #"{"contents":[],"generationConfig":{"maxOutputTokens":100}}"#)
        #expect(try set(100, .geminiGenerateContent, #"{"generationConfig":{"temperature":0.2}}"#) == #"{"generationConfig":{"temperature":0.2,"maxOutputTokens":100}}"#)
        #expect(try set(100, .openAIEmbeddings, #"{"input":"x"}"#) == #"{"input":"x"}"#)
    }

    /// A rewritten body inspects to the new cap.
    @Test func roundTrip() throws {
        let out = try set(42, .geminiGenerateContent, #"{"generationConfig":{"maxOutputTokens":9000}}"#)
        #expect(try inspect(.geminiGenerateContent, out).maxOutputTokens == 42)
    }
}

/// Gemini accepts camelCase and snake_case field names; Tollgate reads and writes both.
struct GeminiSpellingTests {
    let path = "/v1beta/models/gemini-2.0-flash:generateContent"

    /// snake_case caps are read, and rewritten in place under the client's spelling.
    @Test func snakeCase() throws {
        let body = #"{"contents":[],"generation_config":{"max_output_tokens":900,"candidate_count":2}}"#
        let i = try inspect(.geminiGenerateContent, body, path: path)
        #expect(i.maxOutputTokens == 900 && i.outputTokenBound == 1800 && i.maxOutputTokensField == "generation_config.max_output_tokens")
        let out = try LLMRequestRewriter.settingMaxOutputTokens(10, api: .geminiGenerateContent, body: Array(body.utf8))
        #expect(String(decoding: out, as: UTF8.self) == #"{"contents":[],"generation_config":{"max_output_tokens":10,"candidate_count":2}}"#)
        let noCap = Array(#"{"generation_config":{"temperature":1}}"#.utf8)
        let out2 = try LLMRequestRewriter.settingMaxOutputTokens(10, api: .geminiGenerateContent, body: noCap)
        #expect(String(decoding: out2, as: UTF8.self) == #"{"generation_config":{"temperature":1,"max_output_tokens":10}}"#)
    }

    /// Both spellings at once are refused: the upstream would keep only one of them.
    @Test func bothSpellingsRefused() {
        for body in [
            #"{"generationConfig":{"maxOutputTokens":1},"generation_config":{"max_output_tokens":100000}}"#,
            #"{"generationConfig":{"maxOutputTokens":1,"max_output_tokens":100000}}"#,
        ] {
            #expect(throws: LLMRequestError.self) { try inspect(.geminiGenerateContent, body, path: path) }
        }
    }
}

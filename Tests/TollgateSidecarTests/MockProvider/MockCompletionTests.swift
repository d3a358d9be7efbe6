import Foundation
import Testing
@testable import TollgateSidecar

struct MockCompletionTests {
    static func body(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// A non-streaming OpenAI answer is valid JSON whose usage matches the counted tokens and respects max_tokens.
    @Test func openAINonStream() throws {
        let req = Self.body(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
        let c = MockCompletion.answer(path: "/v1/chat/completions", body: req, sequence: 3, baseOutput: 48)
        #expect(c.status == 200 && c.outputTokens <= 5 && c.outputTokens >= 1)
        let j = try JSONSerialization.jsonObject(with: Data(c.pieces.joined())) as! [String: Any]
        let usage = j["usage"] as! [String: Int]
        #expect(Int64(usage["completion_tokens"]!) == c.outputTokens)
        #expect(Int64(usage["total_tokens"]!) == c.inputTokens + c.outputTokens)
    }

    /// An OpenAI stream with include_usage ends with a usage chunk and [DONE].
    @Test func openAIStreamWithUsage() {
        let req = Self.body(#"{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]}"#)
        let c = MockCompletion.answer(path: "/v1/chat/completions", body: req, sequence: 1, baseOutput: 10)
        #expect(c.contentType == "text/event-stream")
        #expect(String(decoding: c.pieces.last!, as: UTF8.self) == "data: [DONE]\n\n")
        #expect(String(decoding: c.pieces[c.pieces.count - 2], as: UTF8.self).contains("\"completion_tokens\":\(c.outputTokens)"))
    }

    /// An Anthropic stream carries input tokens in message_start and output tokens in message_delta.
    @Test func anthropicStream() {
        let req = Self.body(#"{"model":"claude","max_tokens":7,"stream":true,"messages":[]}"#)
        let c = MockCompletion.answer(path: "/v1/messages", body: req, sequence: 2, baseOutput: 48)
        let text = String(decoding: c.pieces.joined(), as: UTF8.self)
        #expect(text.hasPrefix("event: message_start"))
        #expect(text.contains("\"input_tokens\":\(c.inputTokens)"))
        #expect(text.contains("\"usage\":{\"output_tokens\":\(c.outputTokens)}"))
        #expect(c.outputTokens <= 7)
    }

    /// Bad bodies and unknown paths get errors, not answers.
    @Test func errors() {
        #expect(MockCompletion.answer(path: "/v1/messages", body: Self.body("nope"), sequence: 1, baseOutput: 4).status == 400)
        #expect(MockCompletion.answer(path: "/v2/other", body: Self.body("{}"), sequence: 1, baseOutput: 4).status == 404)
    }
}

import Testing
import TollgateTestSupport
import TollgateJSON
@testable import TollgateLLM

/// The response fast path (skip-path validation, no tape) against the general path (a tape of
/// the whole body): same usage, same served model, same errors, over fixtures and many variants.
struct ResponseUsageAgreementTests {
    static let bodies: [String] = [
        OpenAIFixtures.chatReasoningCached, OpenAIFixtures.completion, OpenAIFixtures.embeddings, OpenAIFixtures.response,
        AnthropicFixtures.messageCacheWrite, AnthropicFixtures.messageCacheRead, AnthropicFixtures.countTokens,
        GeminiFixtures.response,
        #"{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, this is a mock answer."},"finish_reason":"stop"}],"usage":{"prompt_tokens":21,"completion_tokens":9,"total_tokens":30}}"#,
        #"{"usage":{"prompt_tokens":1},"usage":{"prompt_tokens":2}}"#,
        #"{"usage":{"prompt_tokens":1,"prompt_tokens":2}}"#,
        #"{"usage":{"prompt_tokens_details":{"cached_tokens":1,"cached_tokens":2}}}"#,
        #"{"usage":{"completion_tokens_details":{"reasoning_tokens":3},"completion_tokens_details":null}}"#,
        #"{"us\u0061ge":{"pr\u006fmpt_tokens":5,"completion_tokens":-3,"prompt_tokens_details":{"c\u0061ched_tokens":4}}}"#,
        #"{"usage":{"input_tokens":7,"output_tokens":2,"input_tokens_details":{"cached_tokens":1},"output_tokens_details":{"reasoning_tokens":1}}}"#,
        #"{"usage":{"input_tokens":7,"cache_read_input_tokens":3,"cache_creation_input_tokens":2,"output_tokens":1,"input_tokens":8}}"#,
        #"{"usage":null}"#, #"{"usage":[1]}"#, #"{"usage":{}}"#, #"[{"usage":{"prompt_tokens":1}}]"#, #"{}"#, #""usage""#, "7",
        #"{"a":[{"b":{"c":[[],{},"x",1.5e3,true,false,null]}}],"usage":{"prompt_tokens":9}}  "#,
        #"{"usage":{"prompt_tokens":1}} x"#, #"{"usage":{"prompt_tokens":1},}"#, #"{"usage":{"prompt_tokens":01}}"#,
        #"{"usage":{"prompt_tokens":1},"usage":{"prompt_tokens":2},"z":[}"#, #"{"x":"\ud800","usage":1}"#,
        #"{"model":"gpt-4o-2024-08-06","usage":{"prompt_tokens":3}}"#, #"{"model":"a","model":"b","usage":{"prompt_tokens":3}}"#,
        #"{"m\u006fdel":"esc-key","usage":{"prompt_tokens":3},"model":"second"}"#, #"{"model":"gpt-\u0034o","usage":{}}"#,
        #"{"model":7,"usage":{"prompt_tokens":3}}"#, #"{"model":"","usage":{"prompt_tokens":3}}"#, #"{"model":null}"#,
        #"{"usage":{"prompt_tokens":1},"usage":{"prompt_tokens":2},"model":"x","model":"y"}"#,
        "{\"model\":\"" + String(repeating: "m", count: 257) + "\",\"usage\":{\"prompt_tokens\":3}}",
        #"{"modelVersion":"gemini-2.5-flash-001","usageMetadata":{"promptTokenCount":4}}"#,
        String(repeating: "[", count: 130) + String(repeating: "]", count: 130),
        "{\"a\":" + String(repeating: "[", count: 126) + String(repeating: "]", count: 126) + ",\"usage\":{\"prompt_tokens\":4}}",
        "{\"a\":" + String(repeating: "{\"b\":", count: 90) + "1" + String(repeating: "}", count: 90) + ",\"usage\":{\"prompt_tokens\":4}}",
    ]

    static func agree(_ api: LLMAPI, _ body: [UInt8]) -> Bool {
        let fast = Result { () throws(JSONParseError) in try ResponseFacts.read(api: api, body: body) }
        let general = Result { () throws(JSONParseError) in try ResponseFacts.readViaTape(api: api, body: body) }
        switch (fast, general) {
        case (.success(let a), .success(let b)): return a == b
        case (.failure(let a), .failure(let b)): return a == b
        default: return false
        }
    }

    /// Fixtures and hand-written edge cases (duplicates, escaped keys, wrong types, bad syntax, deep nesting).
    @Test func fixturesAndEdgeCases() {
        for api in LLMAPI.allCases {
            for body in Self.bodies {
                #expect(Self.agree(api, Array(body.utf8)), "\(api) \(body.prefix(120))")
            }
        }
    }

    /// Every fixture with one byte deleted, replaced or duplicated at many positions.
    @Test func mutatedFixtures() {
        let alphabet = Array(#"{}[],:"\ 0123456789.eE+-truefalsnu"#.utf8) + [0x00, 0xC3, 0xFF]
        var checked = 0
        for body in Self.bodies {
            let bytes = Array(body.utf8)
            guard !bytes.isEmpty else { continue }
            for m in oneByteMutations(of: bytes, count: 150, alphabet: alphabet) {
                for api in [LLMAPI.openAIChat, .openAIResponses, .anthropicMessages] {
                    #expect(Self.agree(api, m), "\(api) \(String(decoding: m, as: UTF8.self).prefix(160))")
                    checked += 1
                }
            }
        }
        #expect(checked > 1000)
    }

    /// Generated usage objects: random member order, repeats, nesting and values.
    @Test func generatedUsageObjects() {
        var rng = SystemRandomNumberGenerator()
        let keys = [
            "prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details", "input_tokens",
            "output_tokens", "input_tokens_details", "output_tokens_details", "cached_tokens", "reasoning_tokens",
            "cache_read_input_tokens", "cache_creation_input_tokens", "total_tokens", "usage", #"prompt\u005ftokens"#,
        ]
        func value(_ depth: Int) -> String {
            switch Int.random(in: 0..<(depth > 2 ? 5 : 7), using: &rng) {
            case 0: return String(Int.random(in: -5...1_000_000, using: &rng))
            case 1: return "null"
            case 2: return #""s""#
            case 3: return "1.5"
            case 4: return "true"
            case 5: return object(depth + 1)
            default: return "[" + value(depth + 1) + "]"
            }
        }
        func object(_ depth: Int) -> String {
            let n = Int.random(in: 0...4, using: &rng)
            return "{" + (0..<n).map { _ in "\"\(keys.randomElement(using: &rng)!)\":\(value(depth))" }.joined(separator: ",") + "}"
        }
        for _ in 0..<2000 {
            let body = #"{"id":"x","usage":"# + object(0) + (Bool.random(using: &rng) ? #","model":"m"}"# : "}")
            for api in [LLMAPI.openAIChat, .openAIResponses, .anthropicMessages] {
                #expect(Self.agree(api, Array(body.utf8)), "\(api) \(body)")
            }
        }
    }
}

/// Index-keyed request lookups name the keys their `JSONKeys` lists, in order.
struct RequestKeyOrderTests {
    /// Each `OpenAIChat.RequestKey` case is the camelCase of the key at its position.
    @Test func openAIChatRequestKeys() {
        #expect(OpenAIChat.RequestKey.allCases.count == OpenAIChat.requestKeys.count)
        for k in OpenAIChat.RequestKey.allCases {
            let snake = String("\(k)".flatMap { $0.isUppercase ? ["_", Character($0.lowercased())] : [$0] })
            #expect(OpenAIChat.requestKeys.names[k.rawValue] == snake, "\(k)")
        }
    }

    /// The stream chunk and choice key positions name their keys.
    @Test func openAIChatStreamKeys() {
        func snake(_ s: String) -> String { String(s.flatMap { $0.isUppercase ? ["_", Character($0.lowercased())] : [$0] }) }
        #expect(OpenAIChat.ChoiceKey.allCases.count == OpenAIChat.choiceKeys.count)
        for k in OpenAIChat.ChoiceKey.allCases { #expect(OpenAIChat.choiceKeys.names[k.rawValue] == snake("\(k)")) }
        #expect(OpenAIChat.ChunkKey.allCases.count == OpenAIChat.chunkKeys.count)
        for k in OpenAIChat.ChunkKey.allCases { #expect(OpenAIChat.chunkKeys.names[k.rawValue] == snake("\(k)")) }
    }
}

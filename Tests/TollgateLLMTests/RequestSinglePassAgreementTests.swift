import Testing
import TollgateTestSupport
import TollgateJSON
@testable import TollgateLLM

/// The single-pass chat request reader against the tape path: whenever it answers, the same
/// info; through `inspect` (single pass, else tape), the same info or the same error, over
/// fixtures, edge cases and many generated and mutated bodies.
struct RequestSinglePassAgreementTests {
    static let bench =
        #"{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello to the benchmark in one short sentence please."}],"max_tokens":64}"#

    static let bodies: [String] = [
        bench,
        OpenAIFixtures.chatStreamRequest,
        #"{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"What is in this image?"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"high"}}]}],"max_tokens":300,"stream":true,"stream_options":{"include_usage":true},"n":2}"#,
        #"{"model":"gpt-4o","max_tokens":10,"max_completion_tokens":20,"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"o3-mini","messages":[],"functions":[{"name":"f"},{"name":"g"}],"tool_choice":"auto","response_format":{"type":"json_object"},"reasoning_effort":"high","n":null}"#,
        #"{"model":"gpt-5","messages":"just text","stream":false,"stream_options":null,"max_completion_tokens":1e3}"#,
        #"{"model":"m","messages":{"role":"user","content":"x"},"stream_options":{"include_usage":false,"other":1}}"#,
        #"{"model":"m","messages":[{"role":"user","content":"caf\u00e9 \"q\"","name":"n"},{"role":"assistant","tool_calls":[{"id":"1","function":{"name":"f","arguments":"{}"}}]}]}"#,
        #"{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}"#,
        #"{"messages":[{"role":"user","content":[{"type":"file","file":{"file_data":"QUJD","filename":"a.pdf"}}]}]}"#,
        #"{"model":"a","model":"b","messages":[]}"#,
        #"{"m\u006fdel":"x","messages":[]}"#,
        #"{"model":1,"messages":[]}"#, #"{"stream":"yes"}"#, #"{"max_tokens":-1}"#, #"{"max_tokens":1.5}"#, #"{"n":"2"}"#,
        #"{"stream_options":[]}"#, #"{"stream_options":{"include_usage":1}}"#,
        #"{"stream_options":{"include_usage":true,"include_usage":false}}"#,
        #"{"stream_options":{"include_\u0075sage":true}}"#,
        #"{"messages":[{"role":"user","c\u006fntent":"x"}]}"#,
        #"{"messages":[{"source":"x"}],"tools":{"a":1},"functions":null,"tool_choice":null}"#,
        #"{"messages":[[["deep",{"k":"v"}]],1,true,null,"s"]}"#,
        #"{"model":"m","messages":[]}  "#, #"{"model":"m","messages":[]} x"#, #"{"model":"m",}"#, #"{}"#, "[]", "7", #""s""#, "",
        #"{"messages":[{"role":"user","content":"\ud800"}]}"#,
        "{\"messages\":" + String(repeating: "[", count: 127) + String(repeating: "]", count: 127) + "}",
        "{\"messages\":" + String(repeating: "[", count: 128) + String(repeating: "]", count: 128) + "}",
        "{\"tools\":" + String(repeating: "{\"a\":", count: 127) + "1" + String(repeating: "}", count: 127) + "}",
        "{\"tools\":" + String(repeating: "{\"a\":", count: 128) + "1" + String(repeating: "}", count: 128) + "}",
    ]

    /// `inspect` agrees with the tape path; when the single pass answers, it agrees too.
    static func agree(_ body: [UInt8], api: LLMAPI = .openAIChat, rules: PromptBoundRules = .default) -> Bool {
        let tape = Result { () throws(LLMRequestError) in try LLMRequestInfo.inspectViaTape(api: api, body: body, rules: rules) }
        let both = Result { () throws(LLMRequestError) in try LLMRequestInfo.inspect(api: api, body: body, rules: rules) }
        let single = body.withUnsafeBytes {
            api == .anthropicMessages ? Anthropic.inspectSinglePass($0, rules: rules) : OpenAIChat.inspectSinglePass($0, rules: rules)
        }
        if let single {
            guard case .success(let t) = tape, single == t else { return false }
        }
        switch (tape, both) {
        case (.success(let a), .success(let b)): return a == b
        case (.failure(let a), .failure(let b)): return a == b
        default: return false
        }
    }

    /// Fixtures and edge cases (duplicates, escaped keys, wrong types, media parts, depth, bad syntax).
    @Test func fixturesAndEdgeCases() {
        for body in Self.bodies {
            #expect(Self.agree(Array(body.utf8)), "\(body.prefix(160))")
        }
    }

    static let anthropicBodies: [String] = [
        #"{"model":"claude-3-5-haiku-latest","max_tokens":64,"messages":[{"role":"user","content":"Say hello to the benchmark in one short sentence please."}]}"#,
        #"{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"system":"Be brief.","messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}],"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto"}}"#,
        #"{"model":"claude-opus-4-1","max_tokens":2048,"thinking":{"type":"enabled","budget_tokens":1024},"system":[{"type":"text","text":"sys"}],"messages":[]}"#,
        #"{"model":"m","max_tokens":5,"thinking":{"type":"disabled"},"messages":"text","tools":null,"tool_choice":null,"system":null}"#,
        #"{"model":"m","max_tokens":5,"thinking":{"type":"en\u0061bled"},"messages":[]}"#,
        #"{"model":"m","max_tokens":5,"thinking":{"type":"enabled","type":"x"},"messages":[]}"#,
        #"{"model":"m","max_tokens":5,"thinking":{"t\u0079pe":"enabled"},"messages":[]}"#,
        #"{"model":"m","max_tokens":5,"thinking":[],"messages":[{"role":"user","content":[{"type":"redacted_thinking","data":"abc"}]}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"abc"},"title":"t"}]}]}"#,
        #"{"model":"m","model":"n","messages":[]}"#, #"{"m\u006fdel":"x","messages":[]}"#, #"{"model":1,"messages":[]}"#,
        #"{"stream":"yes"}"#, #"{"max_tokens":-1}"#, #"{"max_tokens":1.5}"#, #"{"system":{"source":1}}"#,
        #"{"model":"m","max_tokens":5,"messages":[]} x"#, #"{}"#, "[]", "", #"{"model":"m",}"#,
    ]

    /// Anthropic messages: fixtures and edge cases (thinking spellings, media blocks, duplicates, wrong types, bad syntax), then mutations.
    @Test func anthropicBodiesAgree() {
        let alphabet = Array(#"{}[],:"\ 0123456789.eE+-truefalsnu"#.utf8)
        for body in Self.anthropicBodies {
            #expect(Self.agree(Array(body.utf8), api: .anthropicMessages), "\(body.prefix(160))")
            let bytes = Array(body.utf8)
            guard !bytes.isEmpty else { continue }
            for m in oneByteMutations(of: bytes, count: 150, alphabet: alphabet) {
                #expect(Self.agree(m, api: .anthropicMessages), "\(String(decoding: m, as: UTF8.self).prefix(200))")
            }
        }
        for body in Self.anthropicBodies.prefix(4) {
            let single = Array(body.utf8).withUnsafeBytes { Anthropic.inspectSinglePass($0, rules: .default) }
            #expect(single != nil, "\(body)")
        }
    }

    /// The plain shapes are answered by the single pass itself (else it would never run).
    @Test func plainShapesTakeTheSinglePass() {
        for body in [Self.bench, OpenAIFixtures.chatStreamRequest, Self.bodies[3], Self.bodies[4], Self.bodies[5]] {
            let single = Array(body.utf8).withUnsafeBytes { OpenAIChat.inspectSinglePass($0, rules: .default) }
            #expect(single != nil, "\(body)")
        }
    }

    /// Configured rules: custom overheads agree; extreme ones leave the answer to the tape path.
    @Test func customRules() {
        var rules = PromptBoundRules()
        rules.perMessageOverhead = 3
        rules.perRequestOverhead = 0
        rules.perToolOverhead = 100
        var extreme = PromptBoundRules()
        extreme.perMessageOverhead = .max
        for body in Self.bodies {
            #expect(Self.agree(Array(body.utf8), rules: rules), "\(body.prefix(160))")
            #expect(Self.agree(Array(body.utf8), rules: extreme), "\(body.prefix(160))")
        }
    }

    /// Every fixture with one byte deleted, replaced or duplicated at random positions.
    @Test func mutatedBodies() {
        let alphabet = Array(#"{}[],:"\ 0123456789.eE+-truefalsnu"#.utf8) + [0x00, 0xC3, 0xFF]
        var checked = 0
        for body in Self.bodies {
            let bytes = Array(body.utf8)
            guard !bytes.isEmpty else { continue }
            for m in oneByteMutations(of: bytes, count: 200, alphabet: alphabet) {
                #expect(Self.agree(m), "\(String(decoding: m, as: UTF8.self).prefix(200))")
                checked += 1
            }
        }
        #expect(checked > 5000)
    }

    /// Generated request bodies: random member order, repeats, types, nesting and media keys.
    @Test func generatedBodies() {
        var rng = SystemRandomNumberGenerator()
        let rootKeys = [
            "model", "stream", "max_tokens", "max_completion_tokens", "stream_options", "n", "messages", "tools", "functions",
            "tool_choice", "response_format", "reasoning_effort", "temperature", "user", #"m\u006fdel"#,
        ]
        let innerKeys = ["role", "content", "type", "text", "name", "image_url", "include_usage", "data", "file", "url", "x"]
        func value(_ depth: Int) -> String {
            switch Int.random(in: 0..<(depth > 3 ? 7 : 9), using: &rng) {
            case 0: return String(Int.random(in: -5...100_000, using: &rng))
            case 1: return "null"
            case 2: return ["\"gpt-4o-mini\"", "\"o3\"", "\"caf\\u00e9\"", "\"\"", "\"a\\\"b\""].randomElement(using: &rng)!
            case 3: return ["1.5", "2e1", "0"].randomElement(using: &rng)!
            case 4: return Bool.random(using: &rng) ? "true" : "false"
            case 5, 6: return "\"" + String(repeating: "w", count: Int.random(in: 0...20, using: &rng)) + "\""
            case 7: return object(depth + 1, innerKeys)
            default: return "[" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth + 1) }.joined(separator: ",") + "]"
            }
        }
        func object(_ depth: Int, _ keys: [String]) -> String {
            let n = Int.random(in: 0...4, using: &rng)
            return "{" + (0..<n).map { _ in "\"\(keys.randomElement(using: &rng)!)\":\(value(depth))" }.joined(separator: ",") + "}"
        }
        for _ in 0..<3000 {
            let n = Int.random(in: 0...6, using: &rng)
            let body = "{" + (0..<n).map { _ in "\"\(rootKeys.randomElement(using: &rng)!)\":\(value(0))" }.joined(separator: ",") + "}"
            #expect(Self.agree(Array(body.utf8)), "\(body)")
        }
    }
}

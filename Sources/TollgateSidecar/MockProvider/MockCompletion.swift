import TollgateJSON

/// What the built-in mock provider answers to one request, as pure data: the status, content
/// type, and the body as pieces to send apart (stream events), with the usage it reports.
/// OpenAI /v1/chat/completions and Anthropic /v1/messages, streaming (SSE) or not.
struct MockCompletion: Equatable {
    var status: Int
    var contentType: String
    var pieces: [[UInt8]]
    var inputTokens: Int64
    var outputTokens: Int64
    var api: String

    /// `sequence` varies the answer length from request to request (deterministically).
    static func answer(path: Substring, body: [UInt8], sequence: UInt64, baseOutput: Int64) -> MockCompletion {
        let isAnthropic = path.hasPrefix("/v1/messages")
        guard isAnthropic || path.hasPrefix("/v1/chat/completions") else {
            return error(404, "no such endpoint: \(path)", api: "none")
        }
        guard let json = try? JSONValue(parsing: body), json.objectMembers != nil else {
            return error(400, "request body must be a JSON object", api: isAnthropic ? "anthropic" : "openai")
        }
        let model = json["model"]?.stringValue ?? "mock-model"
        let stream = json["stream"]?.boolValue ?? false
        let requested = (json["max_tokens"] ?? json["max_completion_tokens"])?.int64Value
        let input = max(1, Int64(body.count) / 4)
        let varied = baseOutput / 2 + Int64((sequence &* 2_654_435_761) % UInt64(max(1, baseOutput)))
        let output = max(1, min(requested ?? baseOutput, varied))
        if isAnthropic {
            return anthropic(model: model, stream: stream, input: input, output: output)
        }
        let includeUsage = json["stream_options"]?["include_usage"]?.boolValue ?? false
        return openAI(model: model, stream: stream, includeUsage: includeUsage, input: input, output: output)
    }

    static func text(_ n: Int64) -> [String] { (0..<n).map { "tok\($0) " } }

    static func openAI(model: String, stream: Bool, includeUsage: Bool, input: Int64, output: Int64) -> MockCompletion {
        let usage = "{\"prompt_tokens\":\(input),\"completion_tokens\":\(output),\"total_tokens\":\(input + output)}"
        var m = "\"model\":"
        m += quoted(model)
        if !stream {
            let body = "{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion\",\"created\":0,\(m),\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\(quoted(text(output).joined()))},\"finish_reason\":\"stop\"}],\"usage\":\(usage)}"
            return MockCompletion(status: 200, contentType: "application/json", pieces: [Array(body.utf8)],
                                  inputTokens: input, outputTokens: output, api: "openai")
        }
        var pieces: [[UInt8]] = []
        for t in text(output) {
            let chunk = "{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":0,\(m),\"choices\":[{\"index\":0,\"delta\":{\"content\":\(quoted(t))},\"finish_reason\":null}]\(includeUsage ? ",\"usage\":null" : "")}"
            pieces.append(Array("data: \(chunk)\n\n".utf8))
        }
        let stop = "{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":0,\(m),\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]\(includeUsage ? ",\"usage\":null" : "")}"
        pieces.append(Array("data: \(stop)\n\n".utf8))
        if includeUsage {
            pieces.append(Array("data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":0,\(m),\"choices\":[],\"usage\":\(usage)}\n\n".utf8))
        }
        pieces.append(Array("data: [DONE]\n\n".utf8))
        return MockCompletion(status: 200, contentType: "text/event-stream", pieces: pieces,
                              inputTokens: input, outputTokens: output, api: "openai")
    }

    static func anthropic(model: String, stream: Bool, input: Int64, output: Int64) -> MockCompletion {
        if !stream {
            let body = "{\"id\":\"msg_mock\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\(quoted(model)),\"content\":[{\"type\":\"text\",\"text\":\(quoted(text(output).joined()))}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":\(input),\"output_tokens\":\(output)}}"
            return MockCompletion(status: 200, contentType: "application/json", pieces: [Array(body.utf8)],
                                  inputTokens: input, outputTokens: output, api: "anthropic")
        }
        func event(_ name: String, _ data: String) -> [UInt8] { Array("event: \(name)\ndata: \(data)\n\n".utf8) }
        var pieces = [event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_mock\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\(quoted(model)),\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":\(input),\"output_tokens\":1}}}"),
                      event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")]
        for t in text(output) {
            pieces.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\(quoted(t))}}"))
        }
        pieces.append(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"))
        pieces.append(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":\(output)}}"))
        pieces.append(event("message_stop", "{\"type\":\"message_stop\"}"))
        return MockCompletion(status: 200, contentType: "text/event-stream", pieces: pieces,
                              inputTokens: input, outputTokens: output, api: "anthropic")
    }

    static func error(_ status: Int, _ message: String, api: String) -> MockCompletion {
        MockCompletion(status: status, contentType: "application/json",
                       pieces: [Array("{\"error\":{\"type\":\"invalid_request_error\",\"message\":\(quoted(message))}}".utf8)],
                       inputTokens: 0, outputTokens: 0, api: api)
    }

    static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        JSONValue.writeString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

// OpenAI fixtures, written from the API reference (chat completions, chunk objects, Responses
// streaming events, completions, embeddings). Bodies are compact as the API sends them.

enum OpenAIFixtures {
    /// o4-mini non-stream answer with cached prompt tokens and reasoning tokens.
    static let chatReasoningCached = #"""
    {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,"model":"o4-mini-2025-04-16","choices":[{"index":0,"message":{"role":"assistant","content":"The answer is 42.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1117,"completion_tokens":946,"total_tokens":2063,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":896,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":null}
    """#

    /// A chat stream as sent when the request had stream_options.include_usage = true: every
    /// chunk carries "usage":null and a last chunk has "choices":[] and the usage.
    static let chatStreamWithUsage =
        #"data: {"id":"chatcmpl-AbC1","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}"# + "\n\n"
        + #"data: {"id":"chatcmpl-AbC1","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}"# + "\n\n"
        + #"data: {"id":"chatcmpl-AbC1","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null}"# + "\n\n"
        + #"data: {"id":"chatcmpl-AbC1","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"# + "\n\n"
        + #"data: {"id":"chatcmpl-AbC1","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":2,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}"# + "\n\n"
        + "data: [DONE]\n\n"

    /// The same stream as sent without include_usage: no usage members, no usage chunk.
    static let chatStreamWithoutUsage =
        #"data: {"id":"chatcmpl-AbC1","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}"# + "\n\n"
        + #"data: {"id":"chatcmpl-AbC1","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}"# + "\n\n"
        + #"data: {"id":"chatcmpl-AbC1","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}]}"# + "\n\n"
        + #"data: {"id":"chatcmpl-AbC1","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"# + "\n\n"
        + "data: [DONE]\n\n"

    /// An OpenAI-compatible server that puts "usage" before "choices", with CRLF line ends.
    static let compatStreamUsageFirst =
        #"data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"llama-3.1-8b","usage":null,"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}"# + "\r\n\r\n"
        + #"data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"llama-3.1-8b","usage":null,"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\r\n\r\n"
        + #"data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"llama-3.1-8b","usage":{"prompt_tokens":7,"completion_tokens":1,"total_tokens":8},"choices":[]}"# + "\r\n\r\n"
        + "data: [DONE]\r\n\r\n"

    static let compatStreamUsageFirstClient =
        #"data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"llama-3.1-8b","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}"# + "\r\n\r\n"
        + #"data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"llama-3.1-8b","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\r\n\r\n"
        + "data: [DONE]\r\n\r\n"

    /// The request behind the chat streams (no stream_options: Tollgate injects it).
    static let chatStreamRequest = #"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello world"}],"max_tokens":50}"#

    /// Legacy completions, non-stream.
    static let completion = #"""
    {"id":"cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7","object":"text_completion","created":1589478378,"model":"gpt-3.5-turbo-instruct","system_fingerprint":"fp_44709d6fcb","choices":[{"text":"\n\nThis is indeed a test","index":0,"logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}
    """#

    /// Legacy completions stream with include_usage, and the same stream without it.
    static let completionStreamWithUsage =
        #"data: {"id":"cmpl-7","object":"text_completion","created":1,"choices":[{"text":"This","index":0,"logprobs":null,"finish_reason":null}],"model":"gpt-3.5-turbo-instruct","usage":null}"# + "\n\n"
        + #"data: {"id":"cmpl-7","object":"text_completion","created":1,"choices":[{"text":" is a test.","index":0,"logprobs":null,"finish_reason":"stop"}],"model":"gpt-3.5-turbo-instruct","usage":null}"# + "\n\n"
        + #"data: {"id":"cmpl-7","object":"text_completion","created":1,"choices":[],"model":"gpt-3.5-turbo-instruct","usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10}}"# + "\n\n"
        + "data: [DONE]\n\n"
    static let completionStreamWithoutUsage =
        #"data: {"id":"cmpl-7","object":"text_completion","created":1,"choices":[{"text":"This","index":0,"logprobs":null,"finish_reason":null}],"model":"gpt-3.5-turbo-instruct"}"# + "\n\n"
        + #"data: {"id":"cmpl-7","object":"text_completion","created":1,"choices":[{"text":" is a test.","index":0,"logprobs":null,"finish_reason":"stop"}],"model":"gpt-3.5-turbo-instruct"}"# + "\n\n"
        + "data: [DONE]\n\n"

    static let embeddings = #"""
    {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.009327292,-0.0028842222]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}
    """#

    /// Responses API, non-stream.
    static let response = #"""
    {"id":"resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b","object":"response","created_at":1741476542,"status":"completed","error":null,"incomplete_details":null,"instructions":null,"max_output_tokens":null,"model":"gpt-4.1-2025-04-14","output":[{"type":"message","id":"msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b","status":"completed","role":"assistant","content":[{"type":"output_text","text":"In a peaceful grove beneath a silver moon, a unicorn named Lumina discovered a hidden pool.","annotations":[]}]}],"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":true,"temperature":1.0,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled","usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},"output_tokens":87,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":123},"user":null,"metadata":{}}
    """#

    /// Responses API stream (o3, cached input and reasoning tokens in response.completed).
    static let responseStream =
        "event: response.created\n"
        + #"data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","created_at":1741290958,"status":"in_progress","model":"o3-2025-04-16","output":[],"usage":null}}"# + "\n\n"
        + "event: response.output_item.added\n"
        + #"data: {"type":"response.output_item.added","sequence_number":3,"output_index":1,"item":{"id":"msg_1","type":"message","status":"in_progress","role":"assistant","content":[]}}"# + "\n\n"
        + "event: response.output_text.delta\n"
        + #"data: {"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hi"}"# + "\n\n"
        + "event: response.output_text.delta\n"
        + #"data: {"type":"response.output_text.delta","sequence_number":6,"item_id":"msg_1","output_index":1,"content_index":0,"delta":" there!"}"# + "\n\n"
        + "event: response.completed\n"
        + #"data: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","object":"response","created_at":1741290958,"status":"completed","model":"o3-2025-04-16","output":[{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi there!","annotations":[]}]}],"usage":{"input_tokens":2048,"input_tokens_details":{"cached_tokens":1920},"output_tokens":300,"output_tokens_details":{"reasoning_tokens":256},"total_tokens":2348}}}"# + "\n\n"
}

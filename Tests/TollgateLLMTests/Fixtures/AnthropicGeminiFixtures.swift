import Foundation

// Anthropic and Gemini fixtures, written from the Messages API reference (streaming event
// flow, prompt caching usage fields) and the Gemini API reference (GenerateContentResponse,
// usageMetadata, streamGenerateContent?alt=sse with CRLF event ends).

enum AnthropicFixtures {
    /// Non-stream answer that wrote a prompt cache (input_tokens excludes cache tokens).
    static let messageCacheWrite = #"""
    {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{"type":"text","text":"Hello! How can I help?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":21,"cache_creation_input_tokens":188086,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":188086,"ephemeral_1h_input_tokens":0},"output_tokens":393,"service_tier":"standard"}}
    """#

    /// Non-stream answer that read the prompt cache.
    static let messageCacheRead = #"""
    {"id":"msg_02","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[{"type":"text","text":"Sure."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":50,"cache_creation_input_tokens":0,"cache_read_input_tokens":100000,"output_tokens":200}}
    """#

    static let countTokens = #"{"input_tokens":2095}"#

    /// A full messages stream: message_start usage (input + cache read), deltas, a ping,
    /// message_delta with the cumulative output count.
    static let stream =
        "event: message_start\n"
        + #"data: {"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-opus-4-1-20250805","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":2048,"output_tokens":2}}}"# + "\n\n"
        + "event: content_block_start\n"
        + #"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"# + "\n\n"
        + "event: ping\n"
        + #"data: {"type": "ping"}"# + "\n\n"
        + "event: content_block_delta\n"
        + #"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"# + "\n\n"
        + "event: content_block_delta\n"
        + #"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}"# + "\n\n"
        + "event: content_block_stop\n"
        + #"data: {"type":"content_block_stop","index":0}"# + "\n\n"
        + "event: message_delta\n"
        + #"data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"# + "\n\n"
        + "event: message_stop\n"
        + #"data: {"type":"message_stop"}"# + "\n\n"

    /// The stream cut after its second text delta (no message_delta).
    static var streamCut: String {
        let marker = "event: content_block_stop\n"
        return String(stream[..<stream.range(of: marker)!.lowerBound])
    }
}

enum GeminiFixtures {
    /// generateContent with a cached context and thinking tokens.
    static let response = #"""
    {"candidates":[{"content":{"parts":[{"text":"AI learns patterns from data."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":5000,"candidatesTokenCount":120,"totalTokenCount":5520,"cachedContentTokenCount":4000,"promptTokensDetails":[{"modality":"TEXT","tokenCount":5000}],"cacheTokensDetails":[{"modality":"TEXT","tokenCount":4000}],"thoughtsTokenCount":400},"modelVersion":"gemini-2.5-flash","responseId":"mAitaLmkHPPlz7IPvtfUqQ4"}
    """#

    /// streamGenerateContent?alt=sse: running usageMetadata, the final one with the finishReason.
    static let stream =
        #"data: {"candidates": [{"content": {"parts": [{"text": "The"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.0-flash"}"# + "\r\n\r\n"
        + #"data: {"candidates": [{"content": {"parts": [{"text": " quick brown fox"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.0-flash"}"# + "\r\n\r\n"
        + #"data: {"candidates": [{"content": {"parts": [{"text": " jumps."}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 6,"totalTokenCount": 14,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 8}],"candidatesTokensDetails": [{"modality": "TEXT","tokenCount": 6}]},"modelVersion": "gemini-2.0-flash"}"# + "\r\n\r\n"

    /// A Gemini-style stream from a proxy that strips usageMetadata.
    static let streamNoUsage =
        #"data: {"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"index":0}]}"# + "\r\n\r\n"
        + #"data: {"candidates":[{"content":{"parts":[{"text":" there"}],"role":"model"},"finishReason":"STOP","index":0}]}"# + "\r\n\r\n"
}

/// One LLM endpoint family: decides how a request is inspected and rewritten and how usage
/// is read back.
public enum LLMAPI: String, Sendable, Hashable, CaseIterable {
    /// POST /v1/chat/completions (also Azure /openai/deployments/{d}/chat/completions).
    case openAIChat = "openai.chat"
    /// POST /v1/responses
    case openAIResponses = "openai.responses"
    /// POST /v1/completions (legacy text completions).
    case openAICompletions = "openai.completions"
    /// POST /v1/embeddings
    case openAIEmbeddings = "openai.embeddings"
    /// POST /v1/messages
    case anthropicMessages = "anthropic.messages"
    /// POST /v1/messages/count_tokens (free; no billable usage).
    case anthropicCountTokens = "anthropic.count_tokens"
    /// POST /v1beta/models/{model}:generateContent
    case geminiGenerateContent = "gemini.generate_content"
    /// POST /v1beta/models/{model}:streamGenerateContent (SSE with ?alt=sse)
    case geminiStreamGenerateContent = "gemini.stream_generate_content"

    public var provider: ProviderKind {
        switch self {
        case .openAIChat, .openAIResponses, .openAICompletions, .openAIEmbeddings: return .openAI
        case .anthropicMessages, .anthropicCountTokens: return .anthropic
        case .geminiGenerateContent, .geminiStreamGenerateContent: return .gemini
        }
    }

    /// The API a request path addresses (query string ignored), or nil. Matches on the path's
    /// tail so prefixes (/v1, /openai/deployments/x, a mount point) do not matter.
    public init?(path: String) {
        var p = Substring(path)
        if let q = p.firstIndex(of: "?") { p = p[..<q] }
        while p.hasSuffix("/") { p = p.dropLast() }
        if p.hasSuffix(":streamGenerateContent") { self = .geminiStreamGenerateContent; return }
        if p.hasSuffix(":generateContent") { self = .geminiGenerateContent; return }
        if p.hasSuffix("/messages/count_tokens") { self = .anthropicCountTokens; return }
        if p.hasSuffix("/chat/completions") { self = .openAIChat; return }
        if p.hasSuffix("/completions") { self = .openAICompletions; return }
        if p.hasSuffix("/responses") { self = .openAIResponses; return }
        if p.hasSuffix("/embeddings") { self = .openAIEmbeddings; return }
        if p.hasSuffix("/messages") { self = .anthropicMessages; return }
        return nil
    }

    /// Gemini names the model in the path: ".../models/{model}:generateContent".
    public static func geminiModel(fromPath path: String) -> String? {
        var p = Substring(path)
        if let q = p.firstIndex(of: "?") { p = p[..<q] }
        guard let colon = p.lastIndex(of: ":") else { return nil }
        let head = p[..<colon]
        guard let slash = head.lastIndex(of: "/"), head[..<slash].hasSuffix("/models") else { return nil }
        let name = head[head.index(after: slash)...]
        return name.isEmpty ? nil : String(name)
    }

    /// Whether the response streams as SSE for this request.
    public var alwaysStreams: Bool { self == .geminiStreamGenerateContent }
}

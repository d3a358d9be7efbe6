#if canImport(Glibc)
import Glibc
#endif
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
        // Runs on every request: compare UTF-8 bytes, not Characters (grapheme breaking made
        // this the most expensive step of a proxied call).
        var path = path
        let api: LLMAPI? = path.withUTF8 { u in
            var end = u.count
            if let q = u.firstIndex(of: UInt8(ascii: "?")) { end = q }
            while end > 0 && u[end - 1] == UInt8(ascii: "/") { end -= 1 }
            let p = UnsafeBufferPointer(rebasing: u[0..<end])
            func ends(_ suffix: StaticString) -> Bool {
                let n = suffix.utf8CodeUnitCount
                guard p.count >= n else { return false }
                // memcmp, not `elementsEqual` on a slice (an unspecialized generic walk, ~470
                // instructions per call measured with callgrind).
                return n == 0 || memcmp(p.baseAddress! + (p.count - n), suffix.utf8Start, n) == 0
            }
            // Cheap dispatch on the last byte first: most paths are not LLM calls at all.
            guard let last = p.last else { return nil }
            switch last {
            case UInt8(ascii: "t"):
                if ends(":streamGenerateContent") { return .geminiStreamGenerateContent }
                if ends(":generateContent") { return .geminiGenerateContent }
            case UInt8(ascii: "s"):
                if ends("/messages/count_tokens") { return .anthropicCountTokens }
                if ends("/chat/completions") { return .openAIChat }
                if ends("/completions") { return .openAICompletions }
                if ends("/responses") { return .openAIResponses }
                if ends("/embeddings") { return .openAIEmbeddings }
                if ends("/messages") { return .anthropicMessages }
            default:
                break
            }
            return nil
        }
        guard let api else { return nil }
        self = api
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

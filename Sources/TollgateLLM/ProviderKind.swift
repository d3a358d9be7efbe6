/// The API families Tollgate understands.
public enum ProviderKind: String, Sendable, Hashable, CaseIterable {
    case openAI = "openai"
    case anthropic
    case gemini
    /// Any OpenAI-compatible server (vLLM, Ollama, ...).
    case openAICompatible = "openai_compatible"
    case azureOpenAI = "azure_openai"
}

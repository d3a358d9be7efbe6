import Testing
@testable import TollgateLLM

struct ProviderKindTests {
    /// Provider kinds parse from their config spelling.
    @Test func spelling() {
        #expect(ProviderKind(rawValue: "anthropic") == .anthropic)
        #expect(ProviderKind(rawValue: "openai_compatible") == .openAICompatible)
    }
}

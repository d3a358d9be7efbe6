import Testing
@testable import TollgateBudget

struct CostEstimatorTests {
    /// Prompt bound = text bytes + per-message overhead + reply priming + image rule.
    @Test func inputBound() {
        let est = CostEstimator(imageRule: .openAI, perMessageOverhead: 8, replyOverhead: 8)
        #expect(est.inputBound(.init(textBytes: 1_000, messageCount: 3)) == 1_000 + 24 + 8)
        #expect(est.inputBound(.init(textBytes: 0, messageCount: 1, imageCount: 2)) == 16 + 7_600)
        #expect(CostEstimator(imageRule: .anthropic).inputBound(.init(textBytes: 0, messageCount: 0, imageCount: 1)) == 8 + 1_600)
        #expect(CostEstimator(imageRule: .perImage(258)).inputBound(.init(textBytes: 10, messageCount: 0, imageCount: 1, otherPartTokens: 5)) == 10 + 8 + 258 + 5)
    }

    /// The byte bound holds for multi-byte text: a BPE token covers at least one byte.
    @Test func bytesBoundTokens() {
        let text = "héllo wörld 你好 🌍"
        #expect(Int64(text.utf8.count) >= Int64(text.unicodeScalars.count))
    }

    /// Prices round up to the micro-dollar; affordable output rounds down, so they agree.
    @Test func pricing() {
        let p = ModelPrice(inputMicrosPerMillion: 150_000, outputMicrosPerMillion: 600_000)
        #expect(p.cost(input: 1, output: 0) == 1)
        #expect(p.cost(input: 1_000_000, output: 1_000_000) == 750_000)
        for micros in [0, 1, 599, 600, 12_345] as [Int64] {
            let n = p.affordableOutput(micros: micros)
            #expect(ModelPrice.micros(tokens: n, perMillion: 600_000) <= micros)
            #expect(ModelPrice.micros(tokens: n + 1, perMillion: 600_000) > micros)
        }
        #expect(ModelPrice.free.affordableOutput(micros: 5) == Int64.max)
    }

    /// The clamp keeps a request that fits, sets max_tokens when it does not, refuses below minimum.
    @Test func clampDecisions() {
        let c = { (r: Int64) in [MaxTokensClamp.Constraint(unit: .totalTokens, remaining: r, minimumGrant: 32)] }
        #expect(MaxTokensClamp.decide(request(input: 100, output: 200), constraints: c(1_000)) == .keep(output: 200))
        #expect(MaxTokensClamp.decide(request(input: 100, output: 2_000), constraints: c(1_000)) == .set(900))
        #expect(MaxTokensClamp.decide(CostEstimate(inputTokens: 100), constraints: c(1_000)) == .set(900))
        #expect(MaxTokensClamp.decide(CostEstimate(inputTokens: 100, modelOutputCap: 500), constraints: c(1_000)) == .keep(output: 500))
        #expect(MaxTokensClamp.decide(request(input: 980, output: 100), constraints: c(1_000)) == .refuse(budgetIndex: 0, available: 20))
        #expect(MaxTokensClamp.decide(request(input: 1_200, output: 100), constraints: c(1_000)) == .refuse(budgetIndex: 0, available: 0))
        // Request-count budgets do not bound output.
        let reqs = [MaxTokensClamp.Constraint(unit: .requests, remaining: 5, minimumGrant: 1)]
        #expect(MaxTokensClamp.decide(CostEstimate(inputTokens: 10), constraints: reqs) == .keep(output: nil))
        // The tightest of several wins.
        let two = [MaxTokensClamp.Constraint(unit: .outputTokens, remaining: 300, minimumGrant: 1),
                   MaxTokensClamp.Constraint(unit: .totalTokens, remaining: 250, minimumGrant: 1)]
        #expect(MaxTokensClamp.decide(request(input: 100, output: 1_000), constraints: two) == .set(150))
    }
}

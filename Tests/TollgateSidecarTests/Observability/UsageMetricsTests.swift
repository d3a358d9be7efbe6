import Testing
import TollgateLLM
@testable import TollgateSidecar

/// Usage counters by model: the last-model shortcut keeps the totals a plain lookup gives.
struct UsageMetricsTests {
    /// Interleaved and repeated models add up per model, whatever the order.
    @Test func totalsByModel() {
        let m = UsageMetrics()
        let models: [String?] = ["a", "a", "b", "a", nil, "b", "b", "c", nil, "a"]
        for (i, model) in models.enumerated() {
            m.record(model: model, usage: Usage(inputTokens: Int64(i + 1), outputTokens: 1, estimated: i % 2 == 0), costMicros: 10)
        }
        let text = m.render()
        #expect(text.contains(#"tollgate_llm_requests_total{model="a"} 4"#))
        #expect(text.contains(#"tollgate_llm_requests_total{model="b"} 3"#))
        #expect(text.contains(#"tollgate_llm_requests_total{model="c"} 1"#))
        #expect(text.contains(#"tollgate_llm_requests_total{model="unknown"} 2"#))
        // a: requests 1, 2, 4, 10 -> input 1+2+4+10.
        #expect(text.contains(#"tollgate_llm_tokens_total{model="a",kind="input"} 17"#))
        #expect(text.contains(#"tollgate_llm_cost_microdollars_total{model="b"} 30"#))
        #expect(text.contains(#"tollgate_llm_estimated_total{model="unknown"} 2"#))
        #expect(text.contains(#"tollgate_llm_estimated_total{model="b"} 2"#))
    }

    /// Past the model cap new names count as "other"; known models keep their own line.
    @Test func capFoldsNewModelsIntoOther() {
        let m = UsageMetrics()
        for i in 0..<UsageMetrics.maxModels { m.record(model: "m\(i)", usage: Usage(inputTokens: 1), costMicros: 0) }
        m.record(model: "new-1", usage: Usage(inputTokens: 1), costMicros: 0)
        m.record(model: "new-2", usage: Usage(inputTokens: 1), costMicros: 0)
        m.record(model: "m0", usage: Usage(inputTokens: 1), costMicros: 0)
        m.record(model: "new-2", usage: Usage(inputTokens: 1), costMicros: 0)
        let text = m.render()
        #expect(text.contains(#"tollgate_llm_requests_total{model="other"} 3"#))
        #expect(text.contains(#"tollgate_llm_requests_total{model="m0"} 2"#))
        #expect(!text.contains("new-1"))
    }
}

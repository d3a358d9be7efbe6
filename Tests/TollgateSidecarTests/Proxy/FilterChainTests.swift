import Testing
import TollgateHTTP
import TollgateLLM
@testable import TollgateSidecar

/// A filter that only records its name when a hook runs.
private final class NamedFilter: ExchangeFilter {
    let name: String
    let events: Bool
    init(_ name: String, events: Bool = false) {
        self.name = name
        self.events = events
    }
    func requestHead(_ x: ProxyExchange) -> FilterVerdict { .proceed }
    func requestBody(_ x: ProxyExchange, _ body: inout [UInt8]) -> FilterVerdict { .proceed }
    func responseHead(_ x: ProxyExchange, _ head: inout HTTPResponseHead) {}
    var wantsEvents: Bool { events }
    func responseEvent(_ x: ProxyExchange, _ event: SSEEvent) -> StreamEventAction { .forward }
    func responseBody(_ x: ProxyExchange, _ bytes: UnsafeRawBufferPointer) {}
    func complete(_ x: ProxyExchange, _ outcome: ExchangeOutcome) {}
}

@Suite struct FilterChainTests {
    private func llmFilter() throws -> LLMAccountingFilter {
        var o = SidecarOptions()
        o.upstream = UpstreamTarget(scheme: "http", host: "127.0.0.1", port: 9)
        let services = try SidecarServices(options: o, file: nil)
        return LLMAccountingFilter(services: services, policy: services.policy)
    }

    private func label(_ f: any ExchangeFilter, llm: LLMAccountingFilter) -> String {
        if f === llm { return "llm" }
        return (f as! NamedFilter).name
    }

    /// Chains of every shape keep chain order in forEach, subscript and count.
    @Test func orderIsBeforeThenLLMThenAfter() throws {
        let llm = try llmFilter()
        for nb in 0...3 {
            for na in 0...3 {
                let before = (0..<nb).map { NamedFilter("b\($0)") as any ExchangeFilter }
                let after = (0..<na).map { NamedFilter("a\($0)") as any ExchangeFilter }
                let chain = FilterChain(before: before, llm: llm, after: after)
                let expected = (0..<nb).map { "b\($0)" } + ["llm"] + (0..<na).map { "a\($0)" }
                var seen: [String] = []
                chain.forEach { seen.append(label($0, llm: llm)) }
                #expect(seen == expected)
                #expect(chain.count == expected.count)
                #expect((0..<chain.count).map { i in chain.withFilter(at: i) { label($0, llm: llm) } } == expected)
            }
        }
    }

    /// first(where:) stops at the earliest match in chain order, across the three parts.
    @Test func firstWhereFollowsChainOrder() throws {
        let llm = try llmFilter()
        let chain = FilterChain(before: [NamedFilter("b0"), NamedFilter("b1", events: true)], llm: llm,
                                after: [NamedFilter("a0", events: true)])
        var asked: [String] = []
        let hit = chain.first { f in
            asked.append(label(f, llm: llm))
            return f.wantsEvents
        }
        #expect(hit.map { label($0, llm: llm) } == "b1")
        #expect(asked == ["b0", "b1"])
        #expect(chain.contains { label($0, llm: llm) == "a0" })
        #expect(!chain.contains { label($0, llm: llm) == "zz" })
        // The LLM filter without a request inspected wants no events.
        let alone = FilterChain(before: [], llm: llm, after: [])
        #expect(alone.first { $0.wantsEvents } == nil)
    }
}

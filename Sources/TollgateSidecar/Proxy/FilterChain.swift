/// One exchange's filters in chain order: `before`, the LLM accounting filter, `after`.
/// The LLM filter, which every exchange has, is held apart, so the usual chain (that filter
/// alone) needs no array: building one cost an allocation per request, and iterating it a
/// retain/release per filter per hook.
struct FilterChain {
    private let before: [any ExchangeFilter]
    private let llm: LLMAccountingFilter
    private let after: [any ExchangeFilter]

    init(before: [any ExchangeFilter], llm: LLMAccountingFilter, after: [any ExchangeFilter]) {
        self.before = before
        self.llm = llm
        self.after = after
    }

    var count: Int { before.count + 1 + after.count }

    /// The filter at chain position `i`.
    subscript(i: Int) -> any ExchangeFilter {
        if i < before.count { return before[i] }
        if i == before.count { return llm }
        return after[i - before.count - 1]
    }

    /// `self[i].requestHead(x)`, called in place: the subscript returned the filter +1 (a
    /// retain and release per call).
    func requestHead(at i: Int, _ x: ProxyExchange) -> FilterVerdict {
        if i < before.count { return before[i].requestHead(x) }
        if i == before.count { return llm.requestHead(x) }
        return after[i - before.count - 1].requestHead(x)
    }

    /// `self[i].requestBody(x, &body)`, called in place (see `requestHead(at:_:)`).
    func requestBody(at i: Int, _ x: ProxyExchange, _ body: inout [UInt8]) -> FilterVerdict {
        if i < before.count { return before[i].requestBody(x, &body) }
        if i == before.count { return llm.requestBody(x, &body) }
        return after[i - before.count - 1].requestBody(x, &body)
    }

    /// Calls `body` with every filter, in order.
    @inline(__always)
    func forEach(_ body: (any ExchangeFilter) -> Void) {
        if !before.isEmpty { for f in before { body(f) } }
        body(llm)
        if !after.isEmpty { for f in after { body(f) } }
    }

    /// The first filter in chain order for which `predicate` holds, if any.
    @inline(__always)
    func first(where predicate: (any ExchangeFilter) -> Bool) -> (any ExchangeFilter)? {
        if !before.isEmpty, let f = before.first(where: predicate) { return f }
        if predicate(llm) { return llm }
        if !after.isEmpty, let f = after.first(where: predicate) { return f }
        return nil
    }

    func contains(where predicate: (any ExchangeFilter) -> Bool) -> Bool { first(where: predicate) != nil }
}

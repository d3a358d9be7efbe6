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

    /// Calls `body` with the filter at chain position `i`, borrowed: a subscript returned it
    /// +1 (a retain and release per call).
    @inline(__always)
    func withFilter<R>(at i: Int, _ body: (any ExchangeFilter) -> R) -> R {
        if i < before.count { return body(before[i]) }
        if i == before.count { return body(llm) }
        return body(after[i - before.count - 1])
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

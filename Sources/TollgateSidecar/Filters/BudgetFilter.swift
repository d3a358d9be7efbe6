import TollgateBudget
import TollgateHTTP
import TollgateLLM
import TollgateTransport

/// Enforces budgets before forwarding: reserves an upper bound of the request's cost on every
/// budget that applies (all-or-nothing), clamps max_tokens so a response cannot overrun a hard
/// budget, refuses with 429 in the caller's protocol, adds OpenAI-style rate-limit headers, and
/// settles to the real usage (or releases) when the exchange ends.
final class BudgetFilter: ExchangeFilter {
    let engine: BudgetEngine
    /// The accounting filter earlier in the chain: request facts before, usage after.
    let llm: LLMAccountingFilter
    private var reservation: Reservation?
    private var responseStatus = 0

    init(engine: BudgetEngine, llm: LLMAccountingFilter) {
        self.engine = engine
        self.llm = llm
    }

    static func now() -> UTCNanos { MonotonicClock.wallNanos() }

    func requestHead(_ x: ProxyExchange) -> FilterVerdict {
        // LLM calls are reserved once their body is known; anything else costs one request.
        if llm.api != nil { return .proceed }
        return admit(x, CostEstimate.fixed(requests: 1), body: nil)
    }

    func requestBody(_ x: ProxyExchange, _ body: inout [UInt8]) -> FilterVerdict {
        guard let info = llm.info else { return .proceed }
        let price = llm.policy.price(alias: info.model, served: nil)
        let estimate = CostEstimate(
            inputTokens: info.promptTokenBound, requestedOutput: info.outputTokenBound,
            price: price.map { TollgateBudget.ModelPrice(inputMicrosPerMillion: $0.input, outputMicrosPerMillion: max($0.output, $0.reasoning ?? 0)) } ?? .free)
        let verdict = admit(x, estimate, body: &body)
        return verdict
    }

    private func admit(_ x: ProxyExchange, _ estimate: CostEstimate, body: UnsafeMutablePointer<[UInt8]>?) -> FilterVerdict {
        let subject = BudgetSubject(key: x.identity?.keyID, team: x.identity?.team, agent: x.identity?.agent,
                                    workflow: x.traceID, model: llm.info?.model)
        switch engine.reserve(subject, estimate, now: Self.now()) {
        case .admitted(let r):
            reservation = r
            if let tokens = r.setMaxTokens, let body, let api = llm.api {
                do {
                    body.pointee = try LLMRequestRewriter.settingMaxOutputTokens(tokens, api: api, body: body.pointee)
                } catch {
                    _ = engine.release(r, now: Self.now())
                    reservation = nil
                    return .respond(.badRequest(400, code: "invalid_request_body", error.message))
                }
            }
            return waitUntilDurable(x, r)
        case .refused(let refusal):
            var e = ProxyError(status: 429, type: "rate_limit_error", code: refusal.kind.rawValue, message: BudgetRefusalBody.message(refusal))
            for h in RateLimitHeaders.refused(refusal) { e.extraHeaders.add(h.name, h.value) }
            e.customBodies = [
                .openAI: BudgetRefusalBody.openAI(refusal),
                .anthropic: BudgetRefusalBody.anthropic(refusal),
                .mcp: BudgetRefusalBody.jsonRPC(refusal, id: .null),
            ]
            Log.debug("refused \(x.requestHead.method) \(x.requestHead.path) (request \(x.requestID)): \(e.message)")
            return .respond(e)
        }
    }

    private func admit(_ x: ProxyExchange, _ estimate: CostEstimate, body: inout [UInt8]) -> FilterVerdict {
        withUnsafeMutablePointer(to: &body) { admit(x, estimate, body: $0) }
    }

    func responseHead(_ x: ProxyExchange, _ head: inout HTTPResponseHead) {
        responseStatus = head.status
        if let r = reservation {
            for h in RateLimitHeaders.admitted(r) { head.headers.set(h.name, h.value) }
        }
    }

    /// The WAL failed before the reserve record was durable: give the reservation back.
    func abandonReservation() {
        guard let r = reservation else { return }
        reservation = nil
        _ = engine.release(r, now: Self.now())
    }

    var wantsEvents: Bool { false }
    func responseEvent(_ x: ProxyExchange, _ event: SSEEvent) -> StreamEventAction { .forward }
    func responseBody(_ x: ProxyExchange, _ bytes: UnsafeRawBufferPointer) {}

    func complete(_ x: ProxyExchange, _ outcome: ExchangeOutcome) {
        guard let r = reservation else { return }
        reservation = nil
        let served = responseStatus >= 200 && responseStatus < 300
        if !served {
            // Refused by the provider, failed, or never answered: nothing to charge.
            _ = engine.release(r, now: Self.now())
            return
        }
        guard let usage = llm.finalUsage else {
            _ = engine.settle(r, actual: RequestCost(requests: 1), now: Self.now())
            return
        }
        let actual = RequestCost(requests: 1, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens,
                                 costMicros: llm.finalCost, concurrent: 1, toolCalls: 0)
        _ = engine.settle(r, actual: actual, now: Self.now())
    }
}

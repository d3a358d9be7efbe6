import TollgateBudget
import TollgateHTTP
import TollgateLLM
import TollgateSync

/// Enforces cluster budgets (defined at the coordinator) before forwarding: reserves an upper
/// bound of the request's cost on every known cluster budget from this sidecar's leases
/// (all-or-nothing), refuses with 429 in the caller's protocol when the cluster budget is spent,
/// and settles to the real usage when the exchange ends. Requests that set no max_tokens get
/// one (`defaultOutputCap`), so a response cannot outrun its reservation.
final class ClusterBudgetFilter: ExchangeFilter {
    static let defaultOutputCap: Int64 = 4096

    struct Hold {
        var scope: String
        var unit: BudgetUnit
        var ticket: LeaseTicket
        var reserved: Int64
    }

    let cluster: ClusterBudgets
    let llm: LLMAccountingFilter
    private var holds: [Hold] = []
    private var responseStatus = 0

    init(cluster: ClusterBudgets, llm: LLMAccountingFilter) {
        self.cluster = cluster
        self.llm = llm
    }

    func requestHead(_ x: ProxyExchange) -> FilterVerdict {
        if llm.api != nil { return .proceed }
        return admit(RequestCost(requests: 1))
    }

    func requestBody(_ x: ProxyExchange, _ body: inout [UInt8]) -> FilterVerdict {
        guard let info = llm.info, let api = llm.api else { return .proceed }
        var output = info.outputTokenBound ?? Self.defaultOutputCap
        // An earlier filter (the local budget's clamp) may have set max_tokens already: bound by
        // what the body says now, and never raise it.
        if info.maxOutputTokens == nil, let now = try? LLMRequestInfo.inspect(api: api, body: body), let bound = now.outputTokenBound {
            output = bound
        } else if info.maxOutputTokens == nil {
            do {
                body = try LLMRequestRewriter.settingMaxOutputTokens(Self.defaultOutputCap, api: api, body: body)
            } catch {
                return .respond(.badRequest(400, code: "invalid_request_body", error.message))
            }
            output = Self.defaultOutputCap * max(1, info.outputMultiplier)
        }
        let price = llm.policy.price(alias: info.model, served: nil)
        let estimate = CostEstimate(
            inputTokens: info.promptTokenBound, requestedOutput: output,
            price: price.map { TollgateBudget.ModelPrice(inputMicrosPerMillion: $0.input, outputMicrosPerMillion: max($0.output, $0.reasoning ?? 0)) } ?? .free)
        return admit(estimate.cost(grantingOutput: output))
    }

    private func admit(_ cost: RequestCost) -> FilterVerdict {
        guard cluster.waitUntilSynced() else {
            return .respond(refusal(503, code: "cluster_budget_unavailable",
                                    "cluster budgets are not synced yet: the coordinator has not answered", retryAfter: 1))
        }
        for b in cluster.budgets {
            guard let (unit, _) = ClusterBudgetSpec.parseScope(b.scope) else { continue }
            let amount = cost.amount(unit)
            guard amount > 0 else { continue }
            switch cluster.admit(b.scope, amount: amount) {
            case .admitted(let t):
                holds.append(Hold(scope: b.scope, unit: unit, ticket: t, reserved: amount))
            case .refused(let why):
                releaseAll()
                switch why {
                case .exhausted:
                    return .respond(refusal(429, code: "cluster_budget_exceeded",
                                            "cluster budget \(ClusterBudgetSpec.pathID(ofScope: b.scope) ?? b.scope) is spent (limit \(b.limit)): this request needs \(amount)", retryAfter: 60))
                case .coordinatorUnreachable:
                    return .respond(refusal(429, code: "cluster_budget_unavailable",
                                            "cluster budget \(ClusterBudgetSpec.pathID(ofScope: b.scope) ?? b.scope): the coordinator is unreachable and this sidecar's leases are spent (fail_closed)", retryAfter: 5))
                case .unknownBudget:
                    continue
                }
            case .timedOut:
                releaseAll()
                return .respond(refusal(429, code: "cluster_budget_unavailable",
                                        "cluster budget \(ClusterBudgetSpec.pathID(ofScope: b.scope) ?? b.scope): no lease within \(cluster.options.admissionWait)s (coordinator learning or unreachable)", retryAfter: 2))
            }
        }
        return .proceed
    }

    private func refusal(_ status: Int, code: String, _ message: String, retryAfter: Int) -> ProxyError {
        var e = ProxyError(status: status, type: "rate_limit_error", code: code, message: message)
        e.extraHeaders.add("retry-after", String(retryAfter))
        return e
    }

    private func releaseAll() {
        for h in holds { cluster.settle(h.scope, ticket: h.ticket, reserved: h.reserved, actual: 0) }
        holds = []
    }

    func responseHead(_ x: ProxyExchange, _ head: inout HTTPResponseHead) { responseStatus = head.status }
    var wantsEvents: Bool { false }
    func responseEvent(_ x: ProxyExchange, _ event: SSEEvent) -> StreamEventAction { .forward }
    func responseBody(_ x: ProxyExchange, _ bytes: UnsafeRawBufferPointer) {}

    func complete(_ x: ProxyExchange, _ outcome: ExchangeOutcome) {
        guard !holds.isEmpty else { return }
        guard responseStatus >= 200 && responseStatus < 300 else {
            releaseAll()   // refused by the provider, failed, or never answered: nothing spent
            return
        }
        let cost: RequestCost
        if let usage = llm.finalUsage {
            cost = RequestCost(requests: 1, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens,
                               costMicros: llm.finalCost, concurrent: 1, toolCalls: 0)
        } else if llm.api != nil {
            // An LLM response without usage (cut stream): charge the whole reservation.
            for h in holds { cluster.settle(h.scope, ticket: h.ticket, reserved: h.reserved, actual: h.reserved) }
            holds = []
            return
        } else {
            cost = RequestCost(requests: 1)
        }
        for h in holds { cluster.settle(h.scope, ticket: h.ticket, reserved: h.reserved, actual: min(h.reserved, cost.amount(h.unit))) }
        holds = []
    }
}

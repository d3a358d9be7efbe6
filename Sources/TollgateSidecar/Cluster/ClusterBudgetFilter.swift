import TollgateBudget
import TollgateHTTP
import TollgateLLM
import TollgateSync
import TollgateTransport

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
    /// An admission waiting for a lease: what it costs, which budgets are still to take, and
    /// when to give up. The loop is never blocked: a timer tries again.
    private var pending: (cost: RequestCost, budgets: [ClusterBudget], next: Int, deadline: UInt64, waited: Bool, since: Int64)?
    private var retryTimer: LoopTimer?
    private var ended = false
    static let retryInterval = 0.002

    init(cluster: ClusterBudgets, llm: LLMAccountingFilter) {
        self.cluster = cluster
        self.llm = llm
    }

    func requestHead(_ x: ProxyExchange) -> FilterVerdict {
        if llm.api != nil { return .proceed }
        return admit(x, RequestCost(requests: 1))
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
        return admit(x, estimate.cost(grantingOutput: output))
    }

    private func admit(_ x: ProxyExchange, _ cost: RequestCost) -> FilterVerdict {
        let deadline = x.context.loop.now &+ UInt64(cluster.options.admissionWait * 1e9)
        pending = (cost, [], 0, deadline, false, cluster.now())
        if let verdict = step(x) { return verdict }
        return .suspend
    }

    /// Takes what it can now; a verdict when done, nil when it must wait for a lease (a retry
    /// is scheduled on the exchange's loop, which keeps serving everyone else meanwhile).
    private func step(_ x: ProxyExchange) -> FilterVerdict? {
        guard var p = pending else { return .proceed }
        let now = x.context.loop.now
        if p.budgets.isEmpty {
            guard cluster.synced else {
                if now >= p.deadline {
                    pending = nil
                    return .respond(refusal(503, code: "cluster_budget_unavailable",
                                            "cluster budgets are not synced yet: the coordinator has not answered", retryAfter: 1))
                }
                cluster.wake()
                scheduleRetry(x)
                return nil
            }
            p.budgets = cluster.budgets
        }
        while p.next < p.budgets.count {
            let b = p.budgets[p.next]
            guard let (unit, _) = ClusterBudgetSpec.parseScope(b.scope), p.cost.amount(unit) > 0 else {
                p.next += 1
                continue
            }
            let amount = p.cost.amount(unit)
            switch cluster.tryAdmit(b.scope, amount: amount, waitingSince: p.since) {
            case .admitted(let t):
                holds.append(Hold(scope: b.scope, unit: unit, ticket: t, reserved: amount))
                p.next += 1
            case .refused(let why):
                pending = nil
                releaseAll()
                switch why {
                case .exhausted:
                    return .respond(refusal(429, code: "cluster_budget_exceeded",
                                            "cluster budget \(ClusterBudgetSpec.pathID(ofScope: b.scope) ?? b.scope) is spent (limit \(b.limit)): this request needs \(amount)", retryAfter: 60))
                case .coordinatorUnreachable:
                    return .respond(refusal(429, code: "cluster_budget_unavailable",
                                            "cluster budget \(ClusterBudgetSpec.pathID(ofScope: b.scope) ?? b.scope): the coordinator is unreachable and this sidecar's leases are spent (fail_closed)", retryAfter: 5))
                case .unknownBudget:
                    p.next += 1
                }
            case .wait:
                if now >= p.deadline {
                    pending = nil
                    releaseAll()
                    cluster.noteTimedOut()
                    return .respond(refusal(429, code: "cluster_budget_unavailable",
                                            "cluster budget \(ClusterBudgetSpec.pathID(ofScope: b.scope) ?? b.scope): no lease within \(cluster.options.admissionWait)s (coordinator learning or unreachable)", retryAfter: 2))
                }
                p.waited = true
                pending = p
                scheduleRetry(x)
                return nil
            }
        }
        if p.waited { cluster.noteWaited() }
        pending = nil
        return .proceed
    }

    private func scheduleRetry(_ x: ProxyExchange) {
        retryTimer = x.context.loop.schedule(afterSeconds: Self.retryInterval) { [self] in
            self.retryTimer = nil
            guard !self.ended else { return }
            if let verdict = self.step(x) { x.resumeFilters(verdict) }
        }
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
        ended = true
        retryTimer?.cancel()
        retryTimer = nil
        pending = nil
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

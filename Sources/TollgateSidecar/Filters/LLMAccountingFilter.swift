import TollgateHTTP
import TollgateLLM
import TollgateTransport

/// Knows which model was called and what it cost: inspects LLM request bodies, asks
/// OpenAI-style streams for usage (and hides that from the client), reads usage from responses
/// and SSE events as they pass, prices it, and writes one usage record per request.
/// Requests that are not LLM API calls pass untouched.
final class LLMAccountingFilter: ExchangeFilter {
    /// Response bodies are copied for usage extraction up to this size; larger ones are estimated.
    static let maxResponseCopy = 8 << 20

    let services: SidecarServices
    let policy: GatewayPolicy
    private(set) var api: LLMAPI?
    private(set) var info: LLMRequestInfo?
    /// `info != nil`, kept apart (set with it): asked per response event, and testing the
    /// optional copies the whole request description.
    private var hasInfo = false
    /// `info?.model`, kept apart (set with it): read per request for the price, the metrics
    /// and the record, and reading it through the optional copied the whole value.
    private var model: String?
    private var injectedIncludeUsage = false
    private var tracker: StreamUsageTracker?
    private var responseCopy: [UInt8] = []
    private var responseCopyOverflow = false
    private var status = 0
    /// The model the response says served it (`ServedModel`), recorded as model_served.
    private var servedModel: String?
    /// Set at completion, for filters later in the chain (budget settlement).
    private(set) var finalUsage: Usage?
    private(set) var finalCost: Int64 = 0

    init(services: SidecarServices, policy: GatewayPolicy) {
        self.services = services
        self.policy = policy
    }

    func requestHead(_ x: ProxyExchange) -> FilterVerdict {
        // The target as it is: LLMAPI ignores the query itself (no String made from the path).
        guard x.requestHead.method == "POST", let api = LLMAPI(path: x.requestHead.target) else { return .proceed }
        self.api = api
        return .needBody
    }

    func requestBody(_ x: ProxyExchange, _ body: inout [UInt8]) -> FilterVerdict {
        guard let api else { return .proceed }
        let inspected: LLMRequestInfo
        do {
            inspected = try LLMRequestInfo.inspect(api: api, body: body, path: x.requestHead.target)
        } catch {
            return .respond(.badRequest(400, code: "invalid_request_body", "cannot read the \(api.rawValue) request: \(error.message)"))
        }
        do {
            if let rewritten = try LLMRequestRewriter.includingUsage(
                api: api, body: body, stream: inspected.stream, includeUsageRequested: inspected.includeUsageRequested) {
                body = rewritten
                injectedIncludeUsage = true
            }
        } catch {
            return .respond(.badRequest(400, code: "invalid_request_body", error.message))
        }
        // Stored after its last use: moved in, not copied (a copy retains its Strings).
        model = inspected.model
        info = consume inspected
        hasInfo = true
        return .proceed
    }

    func responseHead(_ x: ProxyExchange, _ head: inout HTTPResponseHead) {
        status = head.status
    }

    var wantsEvents: Bool { hasInfo }

    func responseEvent(_ x: ProxyExchange, _ event: SSEEvent) -> StreamEventAction {
        guard let info else { return .forward }
        if tracker == nil { tracker = StreamUsageTracker(request: info, injectedIncludeUsage: injectedIncludeUsage) }
        return tracker!.process(event)
    }

    func responseBody(_ x: ProxyExchange, _ bytes: UnsafeRawBufferPointer) {
        guard hasInfo, !responseCopyOverflow else { return }
        if responseCopy.count + bytes.count > Self.maxResponseCopy {
            responseCopyOverflow = true
            responseCopy = []
            return
        }
        if responseCopy.capacity == 0 { responseCopy = x.context.takeBuffer() }
        responseCopy.append(contentsOf: bytes)
    }

    func complete(_ x: ProxyExchange, _ outcome: ExchangeOutcome) {
        // `info` is read in place: binding it (`let info`) copied the whole request description,
        // and binding `tracker` copied the tracker (two memcpys) even for non-stream responses.
        guard let api, hasInfo else { return }
        // The response copy moves to a local and the model name is read once: each read of a
        // stored array or String passed to a call retained and released it.
        var body: [UInt8] = []
        swap(&body, &responseCopy)
        let model = self.model
        let usage: Usage
        if tracker != nil {
            usage = tracker!.finish(cut: outcome.cut)
            servedModel = tracker!.servedModel
        } else if status >= 200 && status < 300 {
            let facts = responseCopyOverflow ? nil : try? ResponseFacts.read(api: api, body: body)
            usage = facts?.usage ?? Usage.estimate(request: info!, responseBody: body)
            servedModel = facts?.model
        } else if status == 0 && x.endpoint != nil && (outcome.status == 499 || outcome.status == 504) {
            // Forwarded, then the client left or the upstream timed out before answering: the
            // provider has the prompt and may bill it, so the prompt bound is charged
            // (estimated), as a cut stream is; nothing generated was seen.
            usage = info!.api == .anthropicCountTokens ? .zero : Usage(inputTokens: info!.promptTokenBound, estimated: true)
        } else {
            // The provider refused (or was never reached): nothing was generated.
            usage = .zero
        }
        // The alias's configured price, else the served model's.
        let cost = x.context.price(alias: model, served: x.endpoint?.model, in: policy).map { $0.cost(usage) } ?? 0
        finalUsage = usage
        finalCost = cost
        x.context.recycle(&body)
        services.recordUsage(model: model, team: x.identity?.team, key: x.identity?.keyID, usage: usage, costMicros: cost)
        guard let log = services.usageLog else { return }
        let record = UsageRecord(
            timeUnixMillis: MonotonicClock.wallNanos() / 1_000_000, requestID: x.requestID,
            virtualKey: x.identity?.keyID, agent: x.identity?.agent, team: x.identity?.team, workflow: x.traceID,
            traceID: x.traceID, provider: x.endpoint?.providerName, api: api.rawValue,
            deployment: x.endpoint?.id, modelRequested: model, modelServed: servedModel ?? x.endpoint?.model,
            usage: usage, costMicroUSD: cost, status: outcome.status, stream: info!.stream,
            latencyMicros: Int64(outcome.durationNanos / 1000), ttfbMicros: outcome.ttfbNanos.map { Int64($0 / 1000) })
        log.append(record)
    }
}

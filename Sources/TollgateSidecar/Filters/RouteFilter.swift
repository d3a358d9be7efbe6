import TollgateHTTP
import TollgateJSON
import TollgateLLM

/// Chooses where a request goes when models are configured: the model alias in the body (or a
/// Gemini path) picks the deployments, ordered by the alias's strategy, with the identity's
/// model allowlist checked first. Answers GET /v1/models from the configuration. Requests
/// naming no configured model go to the passthrough upstream or `routing.default_provider`.
final class RouteFilter: ExchangeFilter {
    let policy: GatewayPolicy
    let llm: LLMAccountingFilter

    init(policy: GatewayPolicy, llm: LLMAccountingFilter) {
        self.policy = policy
        self.llm = llm
    }

    func requestHead(_ x: ProxyExchange) -> FilterVerdict {
        if x.plan != nil { return .proceed }  // egress: the client chose the host
        let path = Self.pathOnly(x.requestHead.target)
        if x.requestHead.method == "GET", path == "/v1/models" || path.hasPrefix("/v1/models/"), !policy.models.isEmpty {
            return .reply(modelsResponse(path: path, identity: x.identity))
        }
        if llm.api != nil { return .proceed }  // routed once the body names the model
        x.plan = defaultPlan(api: nil, alias: nil, replayable: false)
        return .proceed
    }

    func requestBody(_ x: ProxyExchange, _ body: inout [UInt8]) -> FilterVerdict {
        if x.plan != nil { return .proceed }
        guard let api = llm.api else { return .proceed }
        let alias = llm.info?.model
        if let alias, let identity = x.identity, !identity.mayCall(model: alias) {
            return .respond(ProxyError(status: 403, type: "invalid_request_error", code: "model_not_allowed",
                                       message: "The API key '\(identity.keyID)' may not call model '\(alias)'."))
        }
        guard let alias, let route = policy.models[alias] else {
            if policy.passthrough != nil || policy.routing.defaultProvider != nil {
                x.plan = defaultPlan(api: api, alias: alias, replayable: true)
                return .proceed
            }
            let what = alias.map { "The model '\($0)' does not exist or you do not have access to it." } ?? "The request names no model."
            return .respond(ProxyError(status: 404, type: "invalid_request_error", code: "model_not_found", message: what))
        }
        let compatible = route.deployments.filter { $0.kind.serves(api) }
        guard !compatible.isEmpty else {
            return .respond(.badRequest(400, code: "unsupported_api", "model '\(alias)' has no deployment that serves the \(api.rawValue) API"))
        }
        let ordered = route.order(now: x.context.loop.now, using: &x.context.random).filter { $0.kind.serves(api) }
        x.plan = RoutePlan(api: api, alias: alias, order: ordered, maxAttempts: policy.routing.retries + 1, replayable: true)
        return .proceed
    }

    private func defaultPlan(api: LLMAPI?, alias: String?, replayable: Bool) -> RoutePlan? {
        if let plan = policy.passthroughPlan(api: api, alias: alias, replayable: replayable) { return plan }
        guard let endpoint = policy.routing.defaultProvider.flatMap({ policy.providers[$0] }) else { return nil }
        return RoutePlan(api: api, alias: alias, order: [endpoint], maxAttempts: 1, replayable: replayable)
    }

    static func pathOnly(_ target: String) -> String {
        guard let q = target.firstIndex(of: "?") else { return target }
        return String(target[..<q])
    }

    /// OpenAI's list and retrieve shapes, for the aliases this identity may call.
    func modelsResponse(path: String, identity: RequestIdentity?) -> LocalResponse {
        func entry(_ alias: String, into out: inout [UInt8]) {
            out += Array("{\"id\":".utf8)
            JSONValue.writeString(alias, to: &out)
            out += Array(",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\"}".utf8)
        }
        let visible = policy.modelOrder.filter { identity?.mayCall(model: $0) ?? true }
        var body: [UInt8] = []
        if path.hasPrefix("/v1/models/") {
            let id = String(path.dropFirst("/v1/models/".count))
            guard visible.contains(id) else {
                return LocalResponse(error: ProxyError(status: 404, type: "invalid_request_error", code: "model_not_found",
                                                       message: "The model '\(id)' does not exist or you do not have access to it."))
            }
            entry(id, into: &body)
        } else {
            body = Array("{\"object\":\"list\",\"data\":[".utf8)
            for (i, alias) in visible.enumerated() {
                if i > 0 { body.append(0x2C) }
                entry(alias, into: &body)
            }
            body += Array("]}".utf8)
        }
        return LocalResponse(status: 200, json: body)
    }

    func responseHead(_ x: ProxyExchange, _ head: inout HTTPResponseHead) {}
    var wantsEvents: Bool { false }
    func responseEvent(_ x: ProxyExchange, _ event: SSEEvent) -> StreamEventAction { .forward }
    func responseBody(_ x: ProxyExchange, _ bytes: UnsafeRawBufferPointer) {}
    func complete(_ x: ProxyExchange, _ outcome: ExchangeOutcome) {}
}

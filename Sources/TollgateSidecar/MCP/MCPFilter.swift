import TollgateBudget
import TollgateHTTP
import TollgateJSON
import TollgateLLM
import TollgateMCP
import TollgateTransport

/// Governs MCP traffic on `/mcp` (the aggregate) and `/mcp/NAME` (one server): routes each
/// request to its server, applies the caller's policy to tools/list and tools/call (allowed
/// servers and tools, argument size, per-tool limits, loop guard), and audits every tools/call.
/// Refusals are JSON-RPC errors with the request's id and HTTP 200, so MCP clients surface them
/// as tool errors the agent can read, not as transport failures.
final class MCPFilter: ExchangeFilter {
    let services: MCPServices
    /// The configuration this exchange runs under, taken at its request head.
    private var config: MCPConfiguration?
    private var endpoint: MCPEndpoint?
    private var policy = MCPPolicy.open
    private var revision = MCPRevision.handshake(MCPRevision.latestHandshake)
    /// The tools/call being forwarded, for limits, audit and metrics.
    private var call: ToolCall?
    private var responseStatus = 0
    private var responseBytes: Int64 = 0
    private var responseBody: [UInt8] = []
    private var outcome: (status: MCPAuditRecord.Status, detail: String?)?
    /// The aggregate call this exchange runs, as tracked for cancellation.
    private var inFlightKey: String?

    struct ToolCall {
        var id: JSONRPCID
        var server: String
        var tool: String
        var digest: String
        var argumentBytes: Int
        var reservation: Reservation?
    }

    init(services: MCPServices) {
        self.services = services
    }

    /// The caller's id for sessions and the loop guard.
    static func owner(_ x: ProxyExchange) -> String {
        x.identity.map { "key:" + $0.keyID } ?? ""
    }

    private var settings: MCPSettings { config?.settings ?? MCPSettings() }
    private var cursorKey: [UInt8] { config?.cursorKey ?? [] }

    func requestHead(_ x: ProxyExchange) -> FilterVerdict {
        guard x.requestHead.path.utf8.starts(with: "/mcp".utf8) else { return .proceed }
        let config = services.current
        guard let e = MCPEndpoint(path: x.requestHead.path, settings: config.settings) else { return .proceed }
        self.config = config
        endpoint = e
        policy = config.settings.policy(for: x.identity)
        revision = MCPRevision(header: x.requestHead.headers[MCPHeaders.protocolVersion])
        switch e {
        case .unknownServer(let name):
            return .respond(jsonRPCError(404, code: JSONRPCErrorCode.invalidRequest, "no MCP server named '\(name)' is configured"))
        case .server(let s):
            guard policy.mayUse(server: s.name) else {
                return .respond(refusalError(MCPRefusal(.serverNotAllowed, policy: policy.name, server: s.name, tool: nil,
                                                        message: "policy '\(policy.name)' does not allow MCP server '\(s.name)'"), id: .null, status: 403))
            }
            x.route = MCPRouting.route(x, server: s)
            return x.requestHead.method == "POST" ? .needBody : .proceed
        case .aggregate:
            switch x.requestHead.method {
            case "POST":
                x.route = ExchangeRoute(destination: .local(local(.respond(status: 202, headers: [], body: []))), timeout: aggregateTimeout)
                return .needBody
            case "DELETE":
                guard let sid = x.requestHead.headers[MCPHeaders.sessionID],
                      let s = services.removeSession(sid, owner: Self.owner(x)) else {
                    return .respond(jsonRPCError(404, code: JSONRPCErrorCode.invalidRequest, "unknown MCP session"))
                }
                x.route = ExchangeRoute(destination: .local(local(.deleteSession(s, servers: settings.servers))), timeout: aggregateTimeout)
                return .proceed
            default:
                // No server-initiated stream on the aggregate: clients then rely on responses only.
                var err = jsonRPCError(405, code: JSONRPCErrorCode.invalidRequest, "the aggregate MCP endpoint takes POST and DELETE")
                err.extraHeaders.add("allow", "POST, DELETE")
                return .respond(err)
            }
        }
    }

    /// The aggregate's exchange timeout is fixed before the owning server is known: the longest
    /// any server allows.
    private var aggregateTimeout: Double {
        settings.servers.map(\.timeout).reduce(settings.timeout, max)
    }

    private func local(_ job: MCPLocalJob) -> MCPLocalAnswer {
        MCPLocalAnswer(services: services, policy: policy, job: job)
    }

    func requestBody(_ x: ProxyExchange, _ body: inout [UInt8]) -> FilterVerdict {
        guard let endpoint else { return .proceed }
        let parsed: JSONRPCBody
        do {
            parsed = try JSONRPCReader().read(body)
        } catch {
            return .respond(jsonRPCError(400, code: error.code, error.message))
        }
        switch endpoint {
        case .unknownServer: return .proceed
        case .server(let s): return serverBody(x, s, parsed, &body)
        case .aggregate: return aggregateBody(x, parsed, &body)
        }
    }

    // MARK: /mcp/NAME

    private func serverBody(_ x: ProxyExchange, _ s: MCPServerSettings, _ parsed: JSONRPCBody, _ body: inout [UInt8]) -> FilterVerdict {
        if case .single(let m) = parsed, m.kind == .request, m.method == MCPMethod.toolsList {
            x.route?.destination = .local(local(.toolsList(m, server: s)))
            return .proceed
        }
        for m in parsed.messages where m.kind == .request && m.method == MCPMethod.toolsCall {
            let tool = m.params?["name"]?.stringValue ?? ""
            if let refusal = admit(x, m, server: s.name, tool: tool) {
                return .respond(refusalError(refusal, id: m.id ?? .null))
            }
            // A batch is audited by its first call only; batches left MCP in 2025-06-18.
            if call != nil { break }
        }
        return .proceed
    }

    // MARK: /mcp

    private func aggregateBody(_ x: ProxyExchange, _ parsed: JSONRPCBody, _ body: inout [UInt8]) -> FilterVerdict {
        guard case .single(let m) = parsed else {
            return .respond(jsonRPCError(400, code: JSONRPCErrorCode.invalidRequest, "the aggregate MCP endpoint does not take batches"))
        }
        if m.kind == .notification, m.method == MCPMethod.cancelled, let route = cancellationRoute(x, m) {
            x.route = route
            return .proceed
        }
        // Other notifications and client responses have no server to go to here: accepted, as
        // MCP servers answer them (2026-07-28 cancels by closing the request's stream).
        guard m.kind == .request, let method = m.method, let id = m.id else { return .proceed }
        let servers = settings.servers.filter { policy.mayUse(server: $0.name) }
        var session: MCPSession?
        if !revision.isPerRequest && method != MCPMethod.initialize {
            guard let sid = x.requestHead.headers[MCPHeaders.sessionID] else {
                return .respond(jsonRPCError(400, code: JSONRPCErrorCode.invalidRequest, "missing Mcp-Session-Id: initialize first", id: id))
            }
            guard let s = services.session(sid, owner: Self.owner(x)) else {
                return .respond(jsonRPCError(404, code: JSONRPCErrorCode.invalidRequest, "unknown or expired MCP session; initialize again", id: id))
            }
            session = s
        }
        func answer(_ v: JSONValue) -> FilterVerdict {
            x.route?.destination = .local(local(.respond(status: 200, headers: [], body: v.serialized())))
            return .proceed
        }
        switch method {
        case MCPMethod.initialize:
            x.route?.destination = .local(local(.initialize(m, servers: servers, owner: Self.owner(x))))
            return .proceed
        case MCPMethod.discover:
            return answer(JSONRPCMessage.result(id: id, .object([
                ("resultType", .string("complete")),
                ("supportedVersions", .array(MCPRevision.perRequestVersions.map { .string($0) })),
                // subscriptions/listen relays the servers' tools/list_changed.
                ("capabilities", .object([("tools", .object([("listChanged", .bool(true))]))])),
                ("serverInfo", .object([("name", .string("tollgate-mcp")), ("version", .string(TollgateVersion.string))])),
                ("cacheScope", .string("private")),
                ("ttlMs", .number("0")),
            ])))
        case MCPMethod.ping:
            return answer(JSONRPCMessage.result(id: id, .object([])))
        case MCPMethod.toolsList:
            let plan: [MCPToolPages.Request]
            do {
                plan = try MCPToolPages.plan(cursor: m.params?["cursor"], servers: servers.map(\.name), key: cursorKey)
            } catch {
                return answer(JSONRPCMessage.error(id: id, code: error.code, message: error.message))
            }
            x.route?.destination = .local(local(.toolsPage(m, plan: plan, servers: servers, session: session, cursorKey: cursorKey)))
            return .proceed
        case MCPMethod.toolsCall:
            return aggregateCall(x, m, id: id, session: session, &body)
        case MCPMethod.subscriptionsListen where revision.isPerRequest:
            x.route?.destination = .local(local(.listen(m, servers: servers)))
            return .proceed
        default:
            return answer(JSONRPCMessage.error(id: id, code: JSONRPCErrorCode.methodNotFound,
                                               message: "the aggregate MCP endpoint serves tools; call \(method) on /mcp/<server>"))
        }
    }

    /// Where a handshake-era `notifications/cancelled` goes: to the server running the request it
    /// names, in the caller's session with that server (2025-11-25 cancels with this
    /// notification; a disconnect is not a cancellation there). nil: nothing to forward.
    private func cancellationRoute(_ x: ProxyExchange, _ m: JSONRPCMessage) -> ExchangeRoute? {
        guard !revision.isPerRequest, let sid = x.requestHead.headers[MCPHeaders.sessionID],
              let session = services.session(sid, owner: Self.owner(x)), let requestID = m.params?["requestId"],
              let name = services.serverOfCall(session: session.id, requestID: requestID),
              let server = settings.server(named: name[...]), let u = session.upstream[name] else { return nil }
        var set: [(name: String, value: String)] = [(MCPHeaders.protocolVersion, u.protocolVersion)]
        if let usid = u.sessionID { set.append((MCPHeaders.sessionID, usid)) }
        var route = MCPRouting.route(x, server: server, setHeaders: set)
        if u.sessionID == nil { route.removeHeaders.append(MCPHeaders.sessionID) }
        route.timeout = x.route?.timeout
        return route
    }

    private func aggregateCall(_ x: ProxyExchange, _ m: JSONRPCMessage, id: JSONRPCID, session: MCPSession?, _ body: inout [UInt8]) -> FilterVerdict {
        let exposed = m.params?["name"]?.stringValue ?? ""
        guard let (serverName, tool) = services.resolve(tool: exposed, servers: settings.servers), let server = settings.server(named: serverName[...]) else {
            let r = MCPRefusal(.unknownTool, policy: policy.name, server: nil, tool: exposed,
                               message: "no tool named '\(exposed)' on the aggregate (list the tools first)")
            audit(x, refused: r, server: "-", tool: exposed, digest: MCPArgumentDigest.digest(m.params?["arguments"]), bytes: 0)
            return .respond(refusalError(r, id: id))
        }
        if let session, session.upstream[server.name] == nil, policy.mayCall(server: server.name, tool: tool) {
            // Sent without a session the server would answer 400 (or 404, which clients take for
            // the aggregate session's end): say what to do instead. After the policy's verdict
            // (a server it hides has no session either), before limits count.
            let r = MCPRefusal(.noUpstreamSession, policy: policy.name, server: server.name, tool: tool,
                               message: "this session has no session with MCP server '\(server.name)' yet (it joined after the session started, or was down then); call tools/list, then call the tool again")
            audit(x, refused: r, server: server.name, tool: tool, digest: MCPArgumentDigest.digest(m.params?["arguments"]), bytes: 0)
            return .respond(refusalError(r, id: id))
        }
        if let refusal = admit(x, m, server: server.name, tool: tool) {
            return .respond(refusalError(refusal, id: id))
        }
        var value = m.value
        var params = m.params ?? .object([])
        params.setMember("name", .string(tool))
        value.setMember("params", params)
        body = value.serialized()
        var set: [(name: String, value: String)] = []
        var remove: [String] = []
        if x.requestHead.headers.contains(MCPHeaders.name) || revision.isPerRequest {
            set.append((MCPHeaders.name, MCPHeaders.encode(tool)))
        }
        if let session {
            if let u = session.upstream[server.name] {
                set.append((MCPHeaders.protocolVersion, u.protocolVersion))
                if let sid = u.sessionID { set.append((MCPHeaders.sessionID, sid)) } else { remove.append(MCPHeaders.sessionID) }
            } else {
                remove.append(MCPHeaders.sessionID)
            }
        }
        var route = MCPRouting.route(x, server: server, setHeaders: set)
        route.removeHeaders += remove
        route.timeout = x.route?.timeout
        x.route = route
        if let session { inFlightKey = services.trackCall(session: session.id, id: id, server: server.name) }
        return .proceed
    }

    // MARK: Admission of a tools/call

    /// Policy, loop guard and limits, in that order; records the call for audit when admitted.
    private func admit(_ x: ProxyExchange, _ m: JSONRPCMessage, server: String, tool: String) -> MCPRefusal? {
        let args = m.params?["arguments"]
        let argBytes = args?.serialized().count ?? 0
        let digest = MCPArgumentDigest.digest(args)
        if let r = policy.check(server: server, tool: tool, argumentBytes: argBytes) {
            audit(x, refused: r, server: server, tool: tool, digest: digest, bytes: argBytes)
            return r
        }
        if let g = policy.loopGuard {
            let workflow = x.requestHead.headers["x-tollgate-workflow"] ?? ""
            let key = [Self.owner(x), x.identity?.agent ?? "", workflow, server, tool, digest].joined(separator: "\u{0}")
            let (ok, seen) = services.admitLoop(key: key, settings: g)
            if !ok {
                let secs = Double(g.windowNanos) / 1e9
                let r = MCPRefusal(.loopDetected, policy: policy.name, server: server, tool: tool,
                                   message: "'\(tool)' was called with identical arguments \(seen) times within \(secs)s (policy '\(policy.name)' allows \(g.maxRepeats)); change the arguments or stop repeating the call",
                                   retryAfterSeconds: Int(secs.rounded(.up)))
                audit(x, refused: r, server: server, tool: tool, digest: digest, bytes: argBytes)
                return r
            }
        }
        var reservation: Reservation?
        switch services.reserveLimits(config ?? services.current, policy: policy, server: server, tool: tool) {
        case .refused(let refusal):
            let rate = refusal.kind == .rateLimit
            let r = MCPRefusal(rate ? .rateLimited : .budgetExhausted, policy: policy.name, server: server, tool: tool,
                               message: "\(rate ? "rate limit" : "tool-call budget") of \(refusal.limit) calls per \(refusal.window.name) for '\(refusal.scope)' reached (policy '\(policy.name)')",
                               retryAfterSeconds: refusal.retryAfterSeconds.map { Int($0) })
            audit(x, refused: r, server: server, tool: tool, digest: digest, bytes: argBytes)
            return r
        case .admitted(let res):
            reservation = res
        case nil:
            break
        }
        call = ToolCall(id: m.id ?? .null, server: server, tool: tool, digest: digest, argumentBytes: argBytes, reservation: reservation)
        let budgetID: BudgetRefusalBody.JSONRPCID
        switch m.id {
        case .number(let n)?: budgetID = Int64(n).map { .number($0) } ?? .string(n)
        case .string(let s)?: budgetID = .string(s)
        default: budgetID = .null
        }
        x.mcpToolCall = (server + "/" + tool, budgetID)
        return nil
    }

    // MARK: Response side

    func responseHead(_ x: ProxyExchange, _ head: inout HTTPResponseHead) {
        responseStatus = head.status
    }

    var wantsEvents: Bool { call != nil }

    func responseEvent(_ x: ProxyExchange, _ event: SSEEvent) -> StreamEventAction {
        responseBytes += Int64(event.raw.count)
        if outcome == nil, let c = call, event.hasData, let v = try? JSONValue(parsing: Array(event.data.utf8)) {
            outcome = MCPCallOutcome.classify(v, id: c.id)
        }
        return .forward
    }

    func responseBody(_ x: ProxyExchange, _ bytes: UnsafeRawBufferPointer) {
        guard call != nil else { return }
        responseBytes += Int64(bytes.count)
        // Enough to read the status of any ordinary answer; larger ones are audited by HTTP status.
        if responseBody.count + bytes.count <= 1 << 20 { responseBody.append(contentsOf: bytes) }
    }

    func complete(_ x: ProxyExchange, _ o: ExchangeOutcome) {
        if let k = inFlightKey {
            inFlightKey = nil
            services.untrackCall(k)
        }
        guard var c = call else { return }
        call = nil
        if let r = c.reservation {
            c.reservation = nil
            // A call the server never answered is not charged.
            if responseStatus / 100 == 2 {
                _ = services.limits.settle(r, actual: RequestCost(requests: 1, concurrent: 1, toolCalls: 1), now: MonotonicClock.wallNanos())
            } else {
                _ = services.limits.release(r, now: MonotonicClock.wallNanos())
            }
        }
        if outcome == nil, !responseBody.isEmpty, let v = try? JSONValue(parsing: responseBody) {
            outcome = MCPCallOutcome.classify(v, id: c.id)
        }
        // The server's answer decides; a client closing its stream after reading the answer
        // (SDKs do) is no failure. Without an answer, say how the exchange ended.
        let status = outcome ?? (.error, o.status == 499 ? "client_closed" : o.cut ? "cut" : "http \(o.status)")
        writeAudit(x, server: c.server, tool: c.tool, digest: c.digest, argBytes: c.argumentBytes, status: status.status,
                   detail: status.detail, seconds: Double(o.durationNanos) / 1e9, bytes: responseBytes)
    }

    // MARK: Audit and errors

    private func audit(_ x: ProxyExchange, refused r: MCPRefusal, server: String, tool: String, digest: String, bytes: Int) {
        Log.debug("MCP refused \(server)/\(tool) for \(x.identity?.keyID ?? "anonymous") (request \(x.requestID)): \(r.message)")
        writeAudit(x, server: server, tool: tool, digest: digest, argBytes: bytes, status: .refused, detail: r.reason.rawValue,
                   seconds: nil, bytes: 0)
    }

    private func writeAudit(_ x: ProxyExchange, server: String, tool: String, digest: String, argBytes: Int,
                            status: MCPAuditRecord.Status, detail: String?, seconds: Double?, bytes: Int64) {
        services.metrics.record(server: server, tool: tool, status: status.rawValue, seconds: seconds)
        guard let log = config?.auditLog else { return }
        let record = MCPAuditRecord(
            timeMillis: Int64(MonotonicClock.wallNanos() / 1_000_000), requestID: x.requestID, agent: x.identity?.agent,
            keyID: x.identity?.keyID, team: x.identity?.team, policy: policy.name, server: server, tool: tool,
            argumentDigest: digest, argumentBytes: argBytes, status: status, detail: detail,
            durationMillis: (seconds ?? 0) * 1000, responseBytes: bytes)
        log.append(record.jsonLine())
    }

    private func jsonRPCError(_ status: Int, code: Int, _ message: String, id: JSONRPCID = .null) -> ProxyError {
        var e = ProxyError(status: status, type: "invalid_request_error", code: "mcp_error", message: message)
        e.customBodies[.mcp] = JSONRPCMessage.error(id: id, code: code, message: message).serialized()
        return e
    }

    private func refusalError(_ r: MCPRefusal, id: JSONRPCID, status: Int = 200) -> ProxyError {
        var e = ProxyError(status: status, type: "invalid_request_error", code: r.reason.rawValue, message: r.message)
        e.customBodies[.mcp] = r.response(id: id).serialized()
        if let s = r.retryAfterSeconds { e.extraHeaders.add("retry-after", String(s)) }
        return e
    }
}

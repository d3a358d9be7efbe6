import TollgateHTTP
import TollgateJSON
import TollgateMCP

/// What the aggregate (or a filtered per-server list) answers in-process.
enum MCPLocalJob {
    /// A ready answer.
    case respond(status: Int, headers: [(name: String, value: String)], body: [UInt8])
    /// tools/list of one server (`/mcp/NAME`), filtered by policy.
    case toolsList(JSONRPCMessage, server: MCPServerSettings)
    /// One page of the aggregate's tools/list: the planned server pages, fetched at once,
    /// merged under prefixed names, filtered by policy, with the aggregate's next cursor.
    case toolsPage(JSONRPCMessage, plan: [MCPToolPages.Request], servers: [MCPServerSettings], session: MCPSession?, cursorKey: [UInt8])
    /// Handshake-era initialize of the aggregate: one upstream session per server.
    case initialize(JSONRPCMessage, servers: [MCPServerSettings], owner: String)
    /// DELETE of an aggregate session: every upstream session (with `servers`) is ended.
    case deleteSession(MCPSession, servers: [MCPServerSettings])
    /// 2026-07-28 subscriptions/listen on the aggregate: one listen stream per server, their
    /// tools/list_changed events merged into the client's stream.
    case listen(JSONRPCMessage, servers: [MCPServerSettings])
}

/// An in-process upstream for one exchange: answers at once or after its own requests to the
/// MCP servers (through the loop's pool) complete. A client that goes away cancels them.
final class MCPLocalAnswer: LocalUpstream, UpstreamStream {
    let services: MCPServices
    let policy: MCPPolicy
    let job: MCPLocalJob
    private var exchange: ProxyExchange?
    private var calls: [MCPUpstreamRequest] = []

    init(services: MCPServices, policy: MCPPolicy, job: MCPLocalJob) {
        self.services = services
        self.policy = policy
        self.job = job
    }

    func open(exchange: ProxyExchange, head: HTTPRequestHead, bodyShape: RequestBodyShape) {
        self.exchange = exchange
        exchange.upstreamAttached(self)
        switch job {
        case .respond(let status, let headers, let body):
            answer(status: status, headers: headers, body: body)
        case .toolsList(let m, let server):
            listTools(m, server: server, on: exchange)
        case .toolsPage(let m, let plan, let servers, let session, let key):
            listPage(m, plan: plan, servers: servers, session: session, cursorKey: key, on: exchange)
        case .initialize(let m, let servers, let owner):
            initialize(m, servers: servers, owner: owner, on: exchange)
        case .deleteSession(let s, let servers):
            deleteSession(s, servers: servers, on: exchange)
        case .listen(let m, let servers):
            listen(m, servers: servers, on: exchange)
        }
    }

    // MARK: UpstreamStream (the request body was read by the filter already)

    func sendRequestBody(_ bytes: UnsafeRawBufferPointer) {}
    func sendRequestEnd() {}
    var requestBufferedBytes: Int { 0 }
    func pauseResponseBody() {}
    func resumeResponseBody() {}

    func cancel() {
        exchange = nil
        let c = calls
        calls = []
        for call in c { call.cancel() }
    }

    // MARK: Answering

    func answer(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8]) {
        guard let x = exchange else { return }
        exchange = nil
        var h = HTTPHeaders()
        if !body.isEmpty { h.add("content-type", "application/json") }
        h.add("content-length", String(body.count))
        for (n, v) in headers { h.set(n, v) }
        x.upstreamResponseHead(HTTPResponseHead(status: status, headers: h), endStream: body.isEmpty)
        if !body.isEmpty {
            body.withUnsafeBytes { x.upstreamResponseBody($0) }
            x.upstreamResponseEnd(trailers: nil)
        }
    }

    func answer(_ message: JSONValue, status: Int = 200, headers: [(name: String, value: String)] = []) {
        answer(status: status, headers: headers, body: message.serialized())
    }

    /// Runs one request per server and calls `done` with every outcome, in server order.
    private func fanOut(_ requests: [(MCPServerSettings, HTTPRequestHead, [UInt8])], expecting: JSONRPCID?, on x: ProxyExchange,
                        done: @escaping ([(MCPServerSettings, Result<MCPUpstreamRequest.Response, ProxyError>)]) -> Void) {
        guard !requests.isEmpty else {
            done([])
            return
        }
        var results: [Int: Result<MCPUpstreamRequest.Response, ProxyError>] = [:]
        for (i, (server, head, body)) in requests.enumerated() {
            let call = MCPUpstreamRequest(context: x.context, server: server, head: head, body: body, expecting: expecting) { [self] r in
                results[i] = r
                if results.count == requests.count {
                    calls = []
                    done(requests.indices.map { (requests[$0].0, results[$0]!) })
                }
            }
            calls.append(call)
        }
        for c in calls { c.start() }
    }

    /// Headers that carry the caller's per-server session, for the handshake era.
    private func sessionHeaders(_ session: MCPSession?, server: String) -> (set: [(name: String, value: String)], remove: [String]) {
        guard let session else { return ([], []) }
        guard let u = session.upstream[server] else { return ([], [MCPHeaders.sessionID]) }
        var set: [(name: String, value: String)] = [(MCPHeaders.protocolVersion, u.protocolVersion)]
        if let sid = u.sessionID { set.append((MCPHeaders.sessionID, sid)) }
        return (set, u.sessionID == nil ? [MCPHeaders.sessionID] : [])
    }

    // MARK: tools/list

    /// One server's list (`/mcp/NAME`): forwarded as sent (its cursor untouched), filtered.
    private func listTools(_ m: JSONRPCMessage, server: MCPServerSettings, on x: ProxyExchange) {
        let body = m.value.serialized()
        let id = m.id ?? .null
        let requests = [(server, MCPRouting.head(from: x, server: server, bodyLength: body.count, setHeaders: []), body)]
        fanOut(requests, expecting: id, on: x) { [self] results in
            if let (server, r) = results.first { passFiltered(r, server: server, id: id) }
        }
    }

    /// One aggregate page: each planned server asked for its page (its own cursor in
    /// `params.cursor`), in the caller's upstream session (opened first for servers the session
    /// lacks); the answers merged. A server that fails is left out of this page and of the rest
    /// of the listing (logged); only when every one fails is the answer an error.
    private func listPage(_ m: JSONRPCMessage, plan: [MCPToolPages.Request], servers: [MCPServerSettings], session: MCPSession?,
                          cursorKey: [UInt8], on x: ProxyExchange) {
        let id = m.id ?? .null
        let planned: [(MCPToolPages.Request, MCPServerSettings)] = plan.compactMap { r in servers.first { $0.name == r.server }.map { (r, $0) } }
        withUpstreamSessions(session, servers: planned.map(\.1), on: x) { [self] session in
            let requests = planned.map { (r, s) -> (MCPServerSettings, HTTPRequestHead, [UInt8]) in
                var value = m.value
                var params: JSONValue = m.params?.objectMembers != nil ? m.params! : .object([])
                if let c = r.cursor { params.setMember("cursor", .string(c)) } else { params.removeMember("cursor") }
                value.setMember("params", params)
                let body = value.serialized()
                let sh = sessionHeaders(session, server: s.name)
                return (s, MCPRouting.head(from: x, server: s, bodyLength: body.count, setHeaders: sh.set, removeHeaders: sh.remove), body)
            }
            fanOut(requests, expecting: id, on: x) { [self] results in
                var base: JSONValue?
                var failures: [String] = []
                var fetched: [MCPToolPages.Fetched] = []
                var answered: [JSONValue] = []
                for (server, r) in results {
                    switch r {
                    case .success(let resp):
                        let result = resp.message?["result"]
                        let f = MCPToolPages.Fetched(server: server.name, result: result)
                        if f.tools == nil {
                            let why = resp.message?["error"]?["message"]?.stringValue.map { ": \($0)" } ?? ""
                            failures.append("\(server.name): HTTP \(resp.status)\(why)")
                        } else {
                            if base == nil { base = result }
                            answered.append(result ?? .null)
                        }
                        fetched.append(f)
                    case .failure(let e):
                        failures.append("\(server.name): \(e.message)")
                        fetched.append(MCPToolPages.Fetched(server: server.name, tools: nil, nextCursor: nil))
                    }
                }
                if !failures.isEmpty { Log.warning("MCP aggregate tools/list: no list from \(failures.joined(separator: "; "))") }
                guard var result = base ?? (results.isEmpty ? .object([]) : nil) else {
                    answer(JSONRPCMessage.error(id: id, code: JSONRPCErrorCode.upstreamError,
                                                message: "no MCP server answered tools/list (\(failures.joined(separator: "; ")))"))
                    return
                }
                let (tools, next) = services.mergePage(fetched) { policy.mayCall(server: $0.server, tool: $0.tool) }
                result.setMember("tools", .array(tools))
                MCPToolPages.mergeCacheHints(into: &result, from: answered)
                if let next {
                    result.setMember("nextCursor", .string(next.encode(key: cursorKey)))
                } else {
                    result.removeMember("nextCursor")
                }
                answer(JSONRPCMessage.result(id: id, result))
            }
        }
    }

    /// One server's tools/list answer with the tools the policy hides removed; anything but a
    /// list (4xx such as 404 session gone or 401 with WWW-Authenticate, JSON-RPC errors) is
    /// passed on as the server sent it.
    private func passFiltered(_ r: Result<MCPUpstreamRequest.Response, ProxyError>, server: MCPServerSettings, id: JSONRPCID) {
        switch r {
        case .failure(let e):
            answer(JSONRPCMessage.error(id: id, code: JSONRPCErrorCode.upstreamError, message: e.message), status: e.status)
        case .success(let resp):
            let keep = resp.headers.fields.filter { f in
                ["www-authenticate", MCPHeaders.sessionID, "content-type"].contains { f.name.asciiCaseInsensitiveEquals($0) }
            }.map { (name: $0.name.lowercased(), value: $0.value) }
            guard var message = resp.message, var result = message["result"], let tools = result["tools"]?.arrayValue else {
                if let message = resp.message, resp.body.isEmpty {
                    answer(message, status: resp.status)
                } else {
                    answer(status: resp.status, headers: keep, body: resp.body)
                }
                return
            }
            result.setMember("tools", .array(tools.filter { t in
                t["name"]?.stringValue.map { policy.mayCall(server: server.name, tool: $0) } ?? false
            }))
            message.setMember("result", result)
            answer(message, status: resp.status, headers: keep.filter { $0.name != "content-type" })
        }
    }

    // MARK: Sessions (handshake era)

    private func initialize(_ m: JSONRPCMessage, servers: [MCPServerSettings], owner: String, on x: ProxyExchange) {
        let requested = m.params?["protocolVersion"]?.stringValue ?? MCPRevision.latestHandshake
        let version = MCPRevision.handshakeVersions.contains(requested) ? requested : MCPRevision.latestHandshake
        var session = services.newSession(owner: owner, protocolVersion: version)
        session.initializeRequest = m.value
        let id = m.id ?? .null
        openUpstreamSessions(servers, initialize: m.value, version: version, on: x) { [self] opened, failures in
            session.upstream = opened
            services.save(session)
            if !failures.isEmpty { Log.warning("MCP aggregate initialize: no session with \(failures.joined(separator: ", "))") }
            if !servers.isEmpty && opened.isEmpty {
                _ = services.removeSession(session.id, owner: owner)
                answer(JSONRPCMessage.error(id: id, code: JSONRPCErrorCode.upstreamError,
                                            message: "no MCP server could be initialized (\(failures.joined(separator: ", ")))"))
                return
            }
            let result: JSONValue = .object([
                ("protocolVersion", .string(version)),
                ("capabilities", .object([("tools", .object([("listChanged", .bool(false))]))])),
                ("serverInfo", .object([("name", .string("tollgate-mcp")), ("version", .string(TollgateVersion.string))])),
                ("instructions", .string("Tools of several MCP servers, named <server>_<tool>, under the caller's Tollgate policy.")),
            ])
            answer(JSONRPCMessage.result(id: id, result), headers: [(MCPHeaders.sessionID, session.id)])
        }
    }

    /// Opens one upstream session per server: `initialize` (the client's own request), then
    /// `notifications/initialized`; gives each server's session id and agreed version, and the
    /// servers that failed.
    private func openUpstreamSessions(_ servers: [MCPServerSettings], initialize: JSONValue, version: String, on x: ProxyExchange,
                                      done: @escaping ([String: (sessionID: String?, protocolVersion: String)], [String]) -> Void) {
        let body = initialize.serialized()
        let id = initialize["id"].flatMap { v -> JSONRPCID? in
            switch v {
            case .string(let s): .string(s)
            case .number(let n): .number(n)
            default: nil
            }
        }
        let requests = servers.map { s in
            (s, MCPRouting.head(from: x, server: s, bodyLength: body.count, setHeaders: [],
                                removeHeaders: [MCPHeaders.sessionID, MCPHeaders.protocolVersion]), body)
        }
        fanOut(requests, expecting: id, on: x) { [self] results in
            var failures: [String] = []
            var opened: [String: (sessionID: String?, protocolVersion: String)] = [:]
            var initialized: [(MCPServerSettings, HTTPRequestHead, [UInt8])] = []
            let note = Array(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8)
            for (server, r) in results {
                guard case .success(let resp) = r, resp.status / 100 == 2, let result = resp.message?["result"] else {
                    failures.append(server.name)
                    continue
                }
                let sid = resp.headers[MCPHeaders.sessionID]
                let agreed = result["protocolVersion"]?.stringValue ?? version
                opened[server.name] = (sid, agreed)
                var set: [(name: String, value: String)] = [(MCPHeaders.protocolVersion, agreed)]
                if let sid { set.append((MCPHeaders.sessionID, sid)) }
                initialized.append((server, MCPRouting.head(from: x, server: server, bodyLength: note.count, setHeaders: set), note))
            }
            fanOut(initialized, expecting: nil, on: x) { _ in done(opened, failures) }
        }
    }

    /// Runs `then` with `session` holding an upstream session for every one of `servers`:
    /// those it lacks (servers added by a reload, pointed elsewhere, or down when the client
    /// initialized) are opened first with the client's own initialize request. Per-request
    /// callers (no session) go straight on.
    private func withUpstreamSessions(_ session: MCPSession?, servers: [MCPServerSettings], on x: ProxyExchange,
                                      then: @escaping (MCPSession?) -> Void) {
        guard let session else { return then(nil) }
        let missing = servers.filter { session.upstream[$0.name] == nil }
        guard !missing.isEmpty else { return then(session) }
        let initialize = session.initializeRequest ?? .object([
            ("jsonrpc", .string("2.0")), ("id", .string("tollgate-initialize")), ("method", .string(MCPMethod.initialize)),
            ("params", .object([("protocolVersion", .string(session.protocolVersion)), ("capabilities", .object([])),
                                ("clientInfo", .object([("name", .string("tollgate")), ("version", .string(TollgateVersion.string))]))])),
        ])
        openUpstreamSessions(missing, initialize: initialize, version: session.protocolVersion, on: x) { [self] opened, failures in
            if !failures.isEmpty { Log.warning("MCP aggregate session: no upstream session with \(failures.joined(separator: ", "))") }
            then(services.addUpstream(opened, to: session.id) ?? session)
        }
    }

    private func deleteSession(_ s: MCPSession, servers: [MCPServerSettings], on x: ProxyExchange) {
        let requests: [(MCPServerSettings, HTTPRequestHead, [UInt8])] = servers.compactMap { server in
            guard let u = s.upstream[server.name], let sid = u.sessionID else { return nil }
            return (server, MCPRouting.head(from: x, server: server, method: "DELETE", bodyLength: 0,
                                            setHeaders: [(MCPHeaders.sessionID, sid), (MCPHeaders.protocolVersion, u.protocolVersion)]), [])
        }
        fanOut(requests, expecting: nil, on: x) { [self] _ in
            answer(status: 200, body: [])
        }
    }

    // MARK: subscriptions/listen

    /// Acknowledges at once (the aggregate honours toolsListChanged only: it serves tools), then
    /// relays each server's tools/list_changed as it comes; ends with the listen result when
    /// every server stream has ended. The client's request id is the subscription id on every
    /// frame, upstream and down, since each server gets the same request.
    private func listen(_ m: JSONRPCMessage, servers: [MCPServerSettings], on x: ProxyExchange) {
        let id = m.id ?? .null
        let wantsTools = m.params?["notifications"]?["toolsListChanged"]?.boolValue == true
        let meta: JSONValue = .object([("io.modelcontextprotocol/subscriptionId", id.json)])
        var value = m.value
        var params = m.params ?? .object([])
        params.setMember("notifications", .object([("toolsListChanged", .bool(wantsTools))]))
        value.setMember("params", params)
        let body = value.serialized()
        var h = HTTPHeaders()
        h.add("content-type", "text/event-stream")
        h.add("cache-control", "no-cache")
        x.upstreamResponseHead(HTTPResponseHead(status: 200, headers: h), endStream: false)
        let ack: JSONValue = .object([
            ("jsonrpc", .string("2.0")), ("method", .string("notifications/subscriptions/acknowledged")),
            ("params", .object([("notifications", .object(wantsTools ? [("toolsListChanged", .bool(true))] : [])), ("_meta", meta)])),
        ])
        sendEvent(ack)
        guard wantsTools, !servers.isEmpty else { return }  // nothing will ever come: stays open until the client leaves
        var open = servers.count
        for s in servers {
            let head = MCPRouting.head(from: x, server: s, bodyLength: body.count, setHeaders: [])
            let call = MCPUpstreamRequest(context: x.context, server: s, head: head, body: body, expecting: nil) { [self] _ in
                open -= 1
                guard open == 0 else { return }
                sendEvent(JSONRPCMessage.result(id: id, .object([("_meta", meta)])))
                if let x = exchange {
                    exchange = nil
                    x.upstreamResponseEnd(trailers: nil)
                }
            }
            call.onMessage = { [self] v in
                if v["method"]?.stringValue == "notifications/tools/list_changed" { sendEvent(v) }
            }
            calls.append(call)
        }
        for c in calls { c.start() }
    }

    private func sendEvent(_ v: JSONValue) {
        guard let x = exchange else { return }
        var bytes = Array("event: message\ndata: ".utf8)
        v.write(to: &bytes)
        bytes.append(contentsOf: Array("\n\n".utf8))
        x.downstream?.cork()
        bytes.withUnsafeBytes { x.upstreamResponseBody($0) }
        x.downstream?.uncork()
    }
}

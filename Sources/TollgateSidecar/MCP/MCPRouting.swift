import TollgateHTTP
import TollgateMCP

/// How a request to one MCP server is addressed: the server's own path, Host rewritten to its
/// authority (servers with DNS-rebinding guards answer 421 otherwise), Origin and Accept kept,
/// Tollgate's credential for the server in place of anything the agent presented.
enum MCPRouting {
    /// Headers removed from every request to an MCP server when Tollgate speaks for the caller:
    /// the agent's token (Tollgate's virtual key) must never reach a server.
    static let callerCredentials = ["authorization", "x-api-key", "api-key", "x-goog-api-key", "proxy-authorization", "cookie"]

    /// The route of an exchange to `server`; `setHeaders` are added after the credentials.
    static func route(_ x: ProxyExchange, server: MCPServerSettings, setHeaders: [(name: String, value: String)] = []) -> ExchangeRoute {
        var r = ExchangeRoute(destination: .upstream(server.target))
        r.path = path(server, query: MCPEndpoint.query(of: x.requestHead.target))
        r.timeout = server.timeout
        let (remove, set) = credentialHeaders(server: server, callerIdentified: x.identity != nil || x.stripClientCredentials)
        r.removeHeaders = remove
        r.setHeaders = set + setHeaders
        return r
    }

    static func path(_ server: MCPServerSettings, query: Substring = "") -> String {
        (server.target.basePath.isEmpty ? "/" : server.target.basePath) + query
    }

    /// What to strip and what to set for `server`. The caller's Authorization is forwarded only
    /// in passthrough mode to a server Tollgate has no credential for: then it is the client's
    /// own token for that server (OAuth through the proxy), not a Tollgate key.
    static func credentialHeaders(server: MCPServerSettings, callerIdentified: Bool) -> (remove: [String], set: [(name: String, value: String)]) {
        var set: [(name: String, value: String)] = []
        if let t = server.bearerToken { set.append(("authorization", "Bearer " + t.reveal())) }
        for h in server.headers { set.append((h.name, h.value.reveal())) }
        let remove = (callerIdentified || server.hasCredential) ? callerCredentials : []
        return (remove, set)
    }

    /// A request head for an in-process call to `server` (aggregate fan-out): the client's
    /// headers (Origin, Accept, protocol version...) rewritten as for a forwarded request.
    static func head(from x: ProxyExchange, server: MCPServerSettings, method: String = "POST", bodyLength: Int,
                     setHeaders: [(name: String, value: String)], removeHeaders: [String] = []) -> HTTPRequestHead {
        var head = ProxyHeaders.upstreamRequest(from: x.requestHead, target: server.target, clientIP: x.downstream?.clientIP,
                                                downstreamTLS: x.downstream?.isTLS ?? false, bodyLength: Int64(bodyLength))
        head.method = method
        head.target = path(server)
        let (remove, set) = credentialHeaders(server: server, callerIdentified: x.identity != nil || x.stripClientCredentials)
        for n in remove + removeHeaders { head.headers.remove(n) }
        for (n, v) in set + setHeaders { head.headers.set(n, v) }
        if !head.headers.contains("accept") { head.headers.set("accept", "application/json, text/event-stream") }
        if method == "POST" { head.headers.set("content-type", "application/json") } else { head.headers.remove("content-length") }
        return head
    }
}

import TollgateHTTP

/// Where a filter sends an exchange instead of the default upstream (the MCP filter picks a
/// server per request, or answers in-process). Set on `ProxyExchange.route` in requestHead or
/// requestBody; `openUpstream` honours it.
struct ExchangeRoute {
    enum Destination {
        case upstream(UpstreamTarget)
        /// Served in-process by an object that behaves as the upstream.
        case local(any LocalUpstream)
    }

    var destination: Destination
    /// Request headers set after the usual rewriting (replacing what the client sent).
    var setHeaders: [(name: String, value: String)] = []
    /// Request headers removed after the usual rewriting (e.g. the caller's own credential).
    var removeHeaders: [String] = []
    /// The request target sent upstream instead of the client's (path and query).
    var path: String?
    /// Whole-exchange timeout in seconds; nil means --upstream-timeout. Read when the exchange
    /// starts, so set it in requestHead.
    var timeout: Double?
}

/// An in-process upstream: it gets the exchange, calls `upstreamAttached` with a stream of its
/// own, then answers through the exchange's `UpstreamClient` methods, now or later.
protocol LocalUpstream: AnyObject {
    func open(exchange: ProxyExchange, head: HTTPRequestHead, bodyShape: RequestBodyShape)
}

extension ProxyExchange: UpstreamClient {
    /// Opens the route a filter chose.
    func open(route: ExchangeRoute) {
        switch route.destination {
        case .local(let local):
            local.open(exchange: self, head: requestHead, bodyShape: bodyShape)
        case .upstream(let target):
            var head = ProxyHeaders.upstreamRequest(
                from: requestHead, target: target, clientIP: downstream?.clientIP, downstreamTLS: downstream?.isTLS ?? false,
                bodyLength: { if case .length(let n) = bodyShape { return n } else { return nil } }())
            if let path = route.path { head.target = path }
            for name in route.removeHeaders { head.headers.remove(name) }
            for (name, value) in route.setHeaders { head.headers.set(name, value) }
            context.pool.open(exchange: self, target: target, head: head, bodyShape: bodyShape)
        }
    }
}

import TollgateHTTP

/// Decides what a request on a proxy port is: CONNECT (tunnel or intercept), absolute-form
/// forward, or plain origin-form traffic; and refuses hosts not allowed and unauthenticated
/// clients. Pure: no I/O, tested on heads alone.
struct EgressPolicy: Sendable {
    let settings: EgressSettings
    private let auth: EgressProxyAuth?

    init(settings: EgressSettings) {
        self.settings = settings
        auth = settings.proxyAuth.map(EgressProxyAuth.init(credentials:))
    }

    /// `originFormAllowed`: the sidecar port also serves base-URL traffic; a dedicated egress
    /// port answers origin-form requests with 400.
    func decide(_ head: HTTPRequestHead, originFormAllowed: Bool) -> EgressDecision {
        let isConnect = head.method == "CONNECT"
        let absolute = !isConnect && !head.target.hasPrefix("/") && head.target != "*"
        guard isConnect || absolute else {
            if originFormAllowed { return .origin }
            return .refuse(.badRequest(400, code: "not_a_proxy_request",
                                       "this is Tollgate's egress proxy port: send absolute-form requests or CONNECT (set HTTPS_PROXY/HTTP_PROXY)"))
        }
        if let auth, !auth.accepts(head.headers["proxy-authorization"]) {
            var e = ProxyError(status: 407, type: "invalid_request_error", code: "proxy_authentication_required",
                               message: "Tollgate egress proxy requires Proxy-Authorization (Basic)")
            e.extraHeaders.add("proxy-authenticate", "Basic realm=\"tollgate\"")
            return .refuse(e)
        }
        if isConnect {
            guard let (host, port) = Self.splitAuthority(head.target, defaultPort: nil) else {
                return .refuse(.badRequest(400, code: "bad_connect_target", "CONNECT target must be host:port"))
            }
            if let refusal = refusal(for: host) { return .refuse(refusal) }
            return settings.isIntercepted(host) ? .intercept(host: host, port: port) : .tunnel(host: host, port: port)
        }
        return forward(head)
    }

    /// `http://host[:port]/path?query` -> the target and an origin-form head.
    private func forward(_ head: HTTPRequestHead) -> EgressDecision {
        let t = head.target
        guard t.utf8.count > 7, t.prefix(7).lowercased() == "http://" else {
            return .refuse(.badRequest(400, code: "unsupported_proxy_scheme",
                                       "only http:// absolute-form requests are proxied; use CONNECT for https"))
        }
        let rest = t.dropFirst(7)
        let slash = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<slash]
        guard !authority.contains("@"), let (host, port) = Self.splitAuthority(String(authority), defaultPort: 80) else {
            return .refuse(.badRequest(400, code: "bad_proxy_target", "cannot read the host of '\(t.prefix(200))'"))
        }
        if let refusal = refusal(for: host) { return .refuse(refusal) }
        var path = String(rest[slash...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        var out = head
        out.target = path
        out.headers.remove("proxy-authorization")
        out.headers.remove("proxy-connection")
        return .forward(UpstreamTarget(scheme: "http", host: host, port: port), out)
    }

    private func refusal(for host: String) -> ProxyError? {
        guard !settings.allows(host) else { return nil }
        return ProxyError(status: 403, type: "permission_error", code: "egress_host_not_allowed",
                          message: "egress to \(host) is not allowed by Tollgate (strict mode; add it with --egress-allow or egress.allow)")
    }

    /// "host:port" or "[v6]:port" -> normalized host and port; nil when malformed.
    static func splitAuthority(_ text: String, defaultPort: UInt16?) -> (String, UInt16)? {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        } else {
            host = Substring(text)
        }
        let port: UInt16
        if let p = portText {
            guard let n = UInt16(p), n > 0 else { return nil }
            port = n
        } else {
            guard let d = defaultPort else { return nil }
            port = d
        }
        let h = EgressHostPattern.normalize(String(host))
        guard EgressHostPattern.isHostName(h) else { return nil }
        return (h, port)
    }
}

import TollgateHTTP

/// Header rewriting between downstream and upstream (RFC 9110 section 7.6.1).
enum ProxyHeaders {
    /// Hop-by-hop fields never forwarded, beside those the Connection field names.
    static let hopByHop: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization", "trailer",
    ]

    /// Whether `name` is a hop-by-hop field (checked by length first: no allocation).
    static func isHopByHop(_ name: String) -> Bool {
        let n = name.utf8.count
        guard n == 2 || n == 7 || n == 10 || n == 16 || n == 17 || n == 18 || n == 19 else { return false }
        for h in hopByHop where h.utf8.count == n && name.asciiCaseInsensitiveEquals(h) { return true }
        return false
    }

    /// Removes hop-by-hop fields and the ones listed in Connection.
    static func stripHopByHop(_ headers: inout HTTPHeaders) {
        let listed = headers.tokens("connection")
        if listed.isEmpty && !headers.fields.contains(where: { isHopByHop($0.name) }) { return }
        headers.removeAll { f in
            isHopByHop(f.name) || listed.contains { f.name.asciiCaseInsensitiveEquals($0) }
        }
    }

    /// The upstream request head: hop-by-hop removed, Host rewritten, X-Forwarded-* appended,
    /// the target prefixed with the upstream's base path. Content-Length is kept only when the
    /// body length is known; `Expect` is answered by the proxy itself.
    static func upstreamRequest(from head: HTTPRequestHead, target: UpstreamTarget, clientIP: String?, downstreamTLS: Bool,
                                bodyLength: Int64?) -> HTTPRequestHead {
        var h = head.headers
        let originalHost = h["host"]
        stripHopByHop(&h)
        h.remove("host")
        h.remove("expect")
        h.remove("content-length")
        var out = HTTPHeaders()
        out.add("host", target.authority)
        for f in h { out.add(f.name, f.value) }
        if let ip = clientIP {
            if let prior = out["x-forwarded-for"] { out.set("x-forwarded-for", "\(prior), \(ip)") } else { out.add("x-forwarded-for", ip) }
        }
        if !out.contains("x-forwarded-proto") { out.add("x-forwarded-proto", downstreamTLS ? "https" : "http") }
        if let oh = originalHost, !out.contains("x-forwarded-host") { out.add("x-forwarded-host", oh) }
        if let n = bodyLength { out.add("content-length", String(n)) }
        var t = head.target
        if !target.basePath.isEmpty { t = target.basePath + (t.hasPrefix("/") ? t : "/" + t) }
        return HTTPRequestHead(method: head.method, target: t, version: .http1_1, headers: out)
    }

    /// The downstream response head: hop-by-hop removed; framing is re-decided per protocol.
    static func downstreamResponse(from head: HTTPResponseHead) -> HTTPResponseHead {
        var h = head.headers
        stripHopByHop(&h)
        return HTTPResponseHead(status: head.status, reason: head.reason, version: head.version, headers: h)
    }
}

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
        // One pass over the fields: this runs on every request.
        let listed = head.headers.contains("connection") ? head.headers.tokens("connection") : []
        var out = HTTPHeaders()
        out.add("host", target.authority)
        var originalHost: String?
        var forwardedFor: String?
        var hasProto = false, hasForwardedHost = false
        for f in head.headers {
            let name = f.name
            switch name.utf8.count {
            case 4 where name.asciiCaseInsensitiveEquals("host"):
                if originalHost == nil { originalHost = f.value }
                continue
            case 6 where name.asciiCaseInsensitiveEquals("expect"):
                continue
            case 14 where name.asciiCaseInsensitiveEquals("content-length"):
                continue
            case 15 where name.asciiCaseInsensitiveEquals("x-forwarded-for"):
                forwardedFor = forwardedFor.map { "\($0), \(f.value)" } ?? f.value
                continue
            case 17 where name.asciiCaseInsensitiveEquals("x-forwarded-proto"):
                hasProto = true
            case 16 where name.asciiCaseInsensitiveEquals("x-forwarded-host"):
                hasForwardedHost = true
            default:
                break
            }
            if isHopByHop(name) { continue }
            if !listed.isEmpty && listed.contains(where: { name.asciiCaseInsensitiveEquals($0) }) { continue }
            out.add(name, f.value)
        }
        if let ip = clientIP {
            out.add("x-forwarded-for", forwardedFor.map { "\($0), \(ip)" } ?? ip)
        } else if let ff = forwardedFor {
            out.add("x-forwarded-for", ff)
        }
        if !hasProto { out.add("x-forwarded-proto", downstreamTLS ? "https" : "http") }
        if let oh = originalHost, !hasForwardedHost { out.add("x-forwarded-host", oh) }
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

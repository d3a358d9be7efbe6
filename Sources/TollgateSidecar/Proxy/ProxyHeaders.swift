import TollgateHTTP

/// Header rewriting between downstream and upstream (RFC 9110 section 7.6.1).
enum ProxyHeaders {
    /// Hop-by-hop fields never forwarded, beside those the Connection field names.
    static let hopByHop: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization", "trailer",
    ]

    /// Whether `name` is a hop-by-hop field (checked by length first: no allocation).
    static func isHopByHop(bytes name: UnsafeBufferPointer<UInt8>) -> Bool { HTTPHeaders.isHopByHop(name) }

    /// Removes hop-by-hop fields and the ones listed in Connection (one pass over the names
    /// when nothing needs removing, which is the common case).
    static func stripHopByHop(_ headers: inout HTTPHeaders) {
        headers.removeHopByHop()
    }

    /// The upstream request head: hop-by-hop removed, Host rewritten, X-Forwarded-* appended,
    /// the target prefixed with the upstream's base path. Content-Length is kept only when the
    /// body length is known; `Expect` is answered by the proxy itself.
    static func upstreamRequest(from head: HTTPRequestHead, target: UpstreamTarget, clientIP: String?, downstreamTLS: Bool,
                                bodyLength: Int64?) -> HTTPRequestHead {
        // One pass over the fields, on bytes: this runs on every request. Kept fields are
        // spans into a copy of the client's field bytes (no per-field copy).
        let source = head.headers
        let listed = source.contains(lowercase: "connection") ? source.tokens("connection") : []
        var out = HTTPHeaders(forwardingFrom: source, fieldCapacity: source.count + 5,
                              extraBytes: target.authority.utf8.count + (clientIP?.utf8.count ?? 0) + 96)
        out.add(name: "host", value: target.authority)
        var originalHost: Int?
        var forwardedFor = 0, firstForwardedFor = -1
        var hasProto = false, hasForwardedHost = false
        source.forEachField { i, name, _ in
            switch name.count {
            case 4 where asciiEqualsLowercase(name, "host"):
                if originalHost == nil { originalHost = i }
                return
            case 6 where asciiEqualsLowercase(name, "expect"):
                return
            case 14 where asciiEqualsLowercase(name, "content-length"):
                return
            case 15 where asciiEqualsLowercase(name, "x-forwarded-for"):
                if forwardedFor == 0 { firstForwardedFor = i }
                forwardedFor += 1
                return
            case 17 where asciiEqualsLowercase(name, "x-forwarded-proto"):
                hasProto = true
            case 16 where asciiEqualsLowercase(name, "x-forwarded-host"):
                hasForwardedHost = true
            default:
                break
            }
            if HTTPHeaders.isHopByHop(name) { return }
            if !listed.isEmpty && asciiEqualsAny(name, listed) { return }
            out.addForwarded(fieldAt: i, of: source)
        }
        let priorFor: String?
        switch forwardedFor {
        case 0: priorFor = nil
        case 1: priorFor = source.value(at: firstForwardedFor)
        default: priorFor = source.values("x-forwarded-for").joined(separator: ", ")
        }
        if let ip = clientIP {
            out.add(name: "x-forwarded-for", value: priorFor.map { "\($0), \(ip)" } ?? ip)
        } else if let ff = priorFor {
            out.add(name: "x-forwarded-for", value: ff)
        }
        if !hasProto { out.add(name: "x-forwarded-proto", value: downstreamTLS ? "https" : "http") }
        if let oh = originalHost, !hasForwardedHost { out.add(fieldAt: oh, of: source, renamedTo: "x-forwarded-host") }
        if let n = bodyLength { out.add(name: "content-length", decimal: n) }
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

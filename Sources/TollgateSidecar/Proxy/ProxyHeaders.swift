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
        // One pass over the fields' names, on bytes, and one allocation per array: kept fields
        // are spans into a copy of the client's field bytes, added ones are written after them
        // (appending each added field cost ~230 instructions, measured).
        let source = head.headers
        let listed = source.contains(lowercase: "connection") ? source.tokens("connection") : []
        var originalHost: Int?
        var forwardedFor = 0, firstForwardedFor = -1
        var hasProto = false, hasForwardedHost = false
        let ipBytes = clientIP?.utf8.count ?? 0
        // Added values are the authority, the client IP, copies of source values (X-Forwarded-For
        // joined with ", ", the original Host) and short literals.
        let extraBytes = target.authority.utf8.count + ipBytes + 2 * source.byteCount + 2 * source.count + 128
        let out = HTTPHeaders(forwarding: source, extraBytes: extraBytes, extraFields: 5, leading: { w in
            w.add(name: "host", value: target.authority)
        }, keep: { i, name in
            switch name.count {
            case 4 where asciiEqualsLowercase(name, "host"):
                if originalHost == nil { originalHost = i }
                return false
            case 6 where asciiEqualsLowercase(name, "expect"):
                return false
            case 14 where asciiEqualsLowercase(name, "content-length"):
                return false
            case 15 where asciiEqualsLowercase(name, "x-forwarded-for"):
                if forwardedFor == 0 { firstForwardedFor = i }
                forwardedFor += 1
                return false
            case 17 where asciiEqualsLowercase(name, "x-forwarded-proto"):
                hasProto = true
            case 16 where asciiEqualsLowercase(name, "x-forwarded-host"):
                hasForwardedHost = true
            default:
                break
            }
            if HTTPHeaders.isHopByHop(name) { return false }
            if !listed.isEmpty && asciiEqualsAny(name, listed) { return false }
            return true
        }, trailing: { w in
            switch forwardedFor {
            case 0:
                if let ip = clientIP { w.add(name: "x-forwarded-for", value: ip) }
            case 1:
                w.add(name: "x-forwarded-for", valueOfField: firstForwardedFor, of: source, clientIP)
            default:
                w.add(name: "x-forwarded-for", value: source.values("x-forwarded-for").joined(separator: ", "), clientIP)
            }
            if !hasProto { w.add(name: "x-forwarded-proto", value: downstreamTLS ? "https" as StaticString : "http") }
            if let oh = originalHost, !hasForwardedHost { w.add(name: "x-forwarded-host", valueOfField: oh, of: source) }
            if let n = bodyLength { w.add(name: "content-length", decimal: n) }
        })
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

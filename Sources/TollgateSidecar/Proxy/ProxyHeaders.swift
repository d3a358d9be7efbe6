import TollgateHTTP

/// Header rewriting between downstream and upstream (RFC 9110 section 7.6.1).
enum ProxyHeaders {
    /// Hop-by-hop fields never forwarded, beside those the Connection field names.
    static let hopByHop: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization", "trailer",
    ]

    /// Whether `name` is a hop-by-hop field (checked by length first: no allocation).
    static func isHopByHop(bytes name: UnsafeBufferPointer<UInt8>) -> Bool {
        switch name.count {
        case 2: return asciiEqualsLowercase(name, "te")
        case 7: return asciiEqualsLowercase(name, "upgrade") || asciiEqualsLowercase(name, "trailer")
        case 10: return asciiEqualsLowercase(name, "connection") || asciiEqualsLowercase(name, "keep-alive")
        case 16: return asciiEqualsLowercase(name, "proxy-connection")
        case 17: return asciiEqualsLowercase(name, "transfer-encoding")
        case 18: return asciiEqualsLowercase(name, "proxy-authenticate")
        case 19: return asciiEqualsLowercase(name, "proxy-authorization")
        default: return false
        }
    }

    /// Removes hop-by-hop fields and the ones listed in Connection (one pass over the names
    /// when nothing needs removing, which is the common case).
    static func stripHopByHop(_ headers: inout HTTPHeaders) {
        var any = false
        headers.forEachField { _, name, _ in if !any && isHopByHop(bytes: name) { any = true } }
        guard any else { return }
        // Connection is itself hop-by-hop, so tokens are only looked up once something goes.
        // Tokens that are hop-by-hop names already ("keep-alive", the usual value) add
        // nothing: the token list (an array and a String per token) is only built for others.
        var namesOthers = false
        headers.forEachToken("connection") { t in
            namesOthers = !isHopByHop(bytes: t)
            return !namesOthers
        }
        let listed = namesOthers ? headers.tokens("connection") : []
        headers.removeAll(whereName: { name in isHopByHop(bytes: name) || (!listed.isEmpty && asciiEqualsAny(name, listed)) })
    }

    /// The upstream request head: hop-by-hop removed, Host rewritten, X-Forwarded-* appended,
    /// the target prefixed with the upstream's base path. Content-Length is kept only when the
    /// body length is known; `Expect` is answered by the proxy itself.
    static func upstreamRequest(from head: HTTPRequestHead, target: UpstreamTarget, clientIP: String?, downstreamTLS: Bool,
                                bodyLength: Int64?) -> HTTPRequestHead {
        // One pass over the fields, on bytes: this runs on every request.
        let source = head.headers
        let listed = source.contains("connection") ? source.tokens("connection") : []
        var out = HTTPHeaders(reservingFields: source.count + 4, bytes: source.wireSize + 96)
        out.add("host", target.authority)
        var originalHost: Int?
        var forwardedFor: [Int] = []
        var hasProto = false, hasForwardedHost = false
        var keep: [Int] = []
        keep.reserveCapacity(source.count)
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
                forwardedFor.append(i)
                return
            case 17 where asciiEqualsLowercase(name, "x-forwarded-proto"):
                hasProto = true
            case 16 where asciiEqualsLowercase(name, "x-forwarded-host"):
                hasForwardedHost = true
            default:
                break
            }
            if isHopByHop(bytes: name) { return }
            if !listed.isEmpty && asciiEqualsAny(name, listed) { return }
            keep.append(i)
        }
        for i in keep { out.add(fieldAt: i, of: source) }
        let priorFor = forwardedFor.isEmpty ? nil : forwardedFor.map { source.value(at: $0) }.joined(separator: ", ")
        if let ip = clientIP {
            out.add("x-forwarded-for", priorFor.map { "\($0), \(ip)" } ?? ip)
        } else if let ff = priorFor {
            out.add("x-forwarded-for", ff)
        }
        if !hasProto { out.add("x-forwarded-proto", downstreamTLS ? "https" : "http") }
        if let oh = originalHost, !hasForwardedHost { out.add(fieldAt: oh, of: source, renamedTo: "x-forwarded-host") }
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

import Testing
import TollgateHTTP
@testable import TollgateSidecar

/// The one-allocation upstream request head against a String-based reference of the same
/// rules (RFC 9110 7.6.1 plus the proxy's Host and X-Forwarded-* handling).
struct ProxyHeadersForwardingPropertyTests {
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade",
                                        "proxy-authenticate", "proxy-authorization", "trailer"]
    static let names = ["Host", "host", "Expect", "Content-Length", "X-Forwarded-For", "x-forwarded-for", "X-Forwarded-Proto",
                        "X-Forwarded-Host", "Connection", "Keep-Alive", "TE", "Upgrade", "Trailer", "Proxy-Authorization",
                        "Authorization", "content-type", "X-Secret", "traceparent", "Accept"]
    static let values = ["", "a", "10.0.0.1", "keep-alive", "close, X-Secret", "x-secret , accept", "api.example.com:443",
                         "Bearer sk-0123456789", String(repeating: "v", count: 300), "caf\u{e9}"]

    static func reference(_ head: HTTPRequestHead, authority: String, clientIP: String?, tls: Bool, bodyLength: Int64?) -> [String] {
        let listed = head.headers.tokens("connection")
        var out = ["host=\(authority)"]
        var originalHost: String?
        var forwardedFor: [String] = []
        var hasProto = false, hasForwardedHost = false
        for f in head.headers.fields {
            let l = f.name.lowercased()
            switch l {
            case "host":
                if originalHost == nil { originalHost = f.value }
                continue
            case "expect", "content-length": continue
            case "x-forwarded-for":
                forwardedFor.append(f.value)
                continue
            case "x-forwarded-proto": hasProto = true
            case "x-forwarded-host": hasForwardedHost = true
            default: break
            }
            if hopByHop.contains(l) || listed.contains(l) { continue }
            out.append("\(f.name)=\(f.value)")
        }
        let prior = forwardedFor.isEmpty ? nil : forwardedFor.joined(separator: ", ")
        if let ip = clientIP {
            out.append("x-forwarded-for=" + (prior.map { "\($0), \(ip)" } ?? ip))
        } else if let prior {
            out.append("x-forwarded-for=\(prior)")
        }
        if !hasProto { out.append("x-forwarded-proto=" + (tls ? "https" : "http")) }
        if let oh = originalHost, !hasForwardedHost { out.append("x-forwarded-host=\(oh)") }
        if let n = bodyLength { out.append("content-length=\(n)") }
        return out
    }

    /// Thousands of generated heads: the same fields, in the same order, as the reference.
    @Test func agreesWithReference() throws {
        var rng = SplitMix(state: 3)
        let target = try UpstreamTarget(parsing: "https://api.example.com/base")
        for _ in 0..<3000 {
            var headers = HTTPHeaders()
            for _ in 0..<rng.below(12) { headers.add(Self.names[rng.below(Self.names.count)], Self.values[rng.below(Self.values.count)]) }
            let head = HTTPRequestHead(method: "POST", target: "/v1/x", headers: headers)
            let ip: String? = rng.below(4) == 0 ? nil : ["127.0.0.1", "2001:db8::1"][rng.below(2)]
            let tls = rng.below(2) == 0
            let length: Int64? = [nil, 0, 12, Int64.max][rng.below(4)]
            let up = ProxyHeaders.upstreamRequest(from: head, target: target, clientIP: ip, downstreamTLS: tls, bodyLength: length)
            let got = up.headers.fields.map { "\($0.name)=\($0.value)" }
            let want = Self.reference(head, authority: target.authority, clientIP: ip, tls: tls, bodyLength: length)
            #expect(got == want)
            if got != want { break }
        }
    }

    /// SplitMix64, for deterministic inputs.
    struct SplitMix {
        var state: UInt64
        mutating func below(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
    }
}

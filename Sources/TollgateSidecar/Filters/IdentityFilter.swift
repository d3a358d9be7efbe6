import TollgateHTTP
import TollgateLLM

/// First in the chain when virtual keys are configured: finds the key the app presented
/// (Authorization: Bearer, x-api-key, api-key, x-goog-api-key), resolves it to an identity,
/// and refuses a missing, unknown or revoked key with 401 in the caller's protocol. The
/// presented key never travels upstream: endpoints inject the provider's own.
final class IdentityFilter: ExchangeFilter {
    let policy: GatewayPolicy

    init(policy: GatewayPolicy) {
        self.policy = policy
    }

    func requestHead(_ x: ProxyExchange) -> FilterVerdict {
        x.stripClientCredentials = true
        guard let presented = Self.presentedKey(x.requestHead.headers, target: x.requestHead.target) else {
            return .respond(Self.unauthorized("missing_api_key", "No API key provided. Send your Tollgate virtual key as 'Authorization: Bearer KEY' or 'x-api-key: KEY'."))
        }
        guard let key = policy.key(presented: presented) else {
            return .respond(Self.unauthorized("invalid_api_key", "Incorrect API key provided: \(Self.redacted(presented)). The key is not a Tollgate virtual key of this sidecar."))
        }
        if key.revoked {
            return .respond(Self.unauthorized("revoked_api_key", "The API key '\(key.id)' has been revoked."))
        }
        x.identity = key.identity
        return .proceed
    }

    static func presentedKey(_ headers: HTTPHeaders, target: String) -> String? {
        if let auth = headers["authorization"] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let v = String(parts[1].trimmingASCIIWhitespace())
                if !v.isEmpty { return v }
            }
        }
        for name in ["x-api-key", "api-key", "x-goog-api-key"] {
            if let v = headers[name].map({ String($0.trimmingASCIIWhitespace()) }), !v.isEmpty { return v }
        }
        // Gemini clients may put the key in the query string.
        if let q = target.firstIndex(of: "?") {
            for pair in target[target.index(after: q)...].split(separator: "&") where pair.hasPrefix("key=") {
                let v = String(pair.dropFirst(4))
                if !v.isEmpty { return v }
            }
        }
        return nil
    }

    /// Like OpenAI's message: enough of the key to recognise it, never all of it.
    static func redacted(_ key: String) -> String {
        let u = Array(key.unicodeScalars)
        guard u.count > 8 else { return "****" }
        return String(String.UnicodeScalarView(u.prefix(3))) + "****" + String(String.UnicodeScalarView(u.suffix(4)))
    }

    static func unauthorized(_ code: String, _ message: String) -> ProxyError {
        ProxyError(status: 401, type: "invalid_request_error", code: code, message: message)
    }

    func requestBody(_ x: ProxyExchange, _ body: inout [UInt8]) -> FilterVerdict { .proceed }
    func responseHead(_ x: ProxyExchange, _ head: inout HTTPResponseHead) {}
    var wantsEvents: Bool { false }
    func responseEvent(_ x: ProxyExchange, _ event: SSEEvent) -> StreamEventAction { .forward }
    func responseBody(_ x: ProxyExchange, _ bytes: UnsafeRawBufferPointer) {}
    func complete(_ x: ProxyExchange, _ outcome: ExchangeOutcome) {}
}

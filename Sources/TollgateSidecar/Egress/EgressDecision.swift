import TollgateHTTP

/// What the egress proxy does with one request head on a proxy port.
enum EgressDecision: Equatable {
    /// Not a proxy request (origin-form): the sidecar handles it as base-URL traffic.
    case origin
    /// Absolute-form `http://` request: forward to `target` with the origin-form `head`.
    case forward(UpstreamTarget, HTTPRequestHead)
    /// CONNECT to a host that is passed through as opaque bytes.
    case tunnel(host: String, port: UInt16)
    /// CONNECT to a host whose TLS Tollgate terminates and governs.
    case intercept(host: String, port: UInt16)
    /// Refused, with the answer to send.
    case refuse(ProxyError)
}

import TollgateHTTP

/// A response the proxy answers itself (GET /v1/models, an error), in the caller's protocol.
enum LocalResponse {
    case json(status: Int, body: [UInt8])
    case error(ProxyError)

    init(status: Int, json body: [UInt8]) { self = .json(status: status, body: body) }
    init(error: ProxyError) { self = .error(error) }
}

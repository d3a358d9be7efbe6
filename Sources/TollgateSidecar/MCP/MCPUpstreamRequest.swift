import TollgateHTTP
import TollgateJSON
import TollgateMCP
import TollgateTransport

/// One request Tollgate itself sends to an MCP server through the loop's upstream pool (the
/// aggregate's fan-out: initialize, tools/list), read whole: a JSON body, or an SSE stream
/// from which the JSON-RPC answer to `expecting` is taken.
final class MCPUpstreamRequest: UpstreamClient {
    struct Response {
        var status: Int
        var headers: HTTPHeaders
        /// The JSON-RPC answer, when there was one.
        var message: JSONValue?
        /// The body as received (JSON answers only).
        var body: [UInt8]
    }

    let server: MCPServerSettings
    private let context: LoopContext
    private let head: HTTPRequestHead
    private let body: [UInt8]
    private let expecting: JSONRPCID?
    private var completion: ((Result<Response, ProxyError>) -> Void)?
    private var up: (any UpstreamStream)?
    private var status = 0
    private var headers = HTTPHeaders()
    private var collected: [UInt8] = []
    private var events: SSEParser?
    private var message: JSONValue?
    private var timer: LoopTimer?
    /// Streaming mode (subscriptions/listen): every SSE message is handed over as it arrives
    /// and the request lasts until the server ends the stream.
    var onMessage: ((JSONValue) -> Void)?
    /// Answers are small (tool lists); a server sending more is refused rather than buffered.
    static let maxBytes = 8 << 20

    init(context: LoopContext, server: MCPServerSettings, head: HTTPRequestHead, body: [UInt8], expecting: JSONRPCID?,
         completion: @escaping (Result<Response, ProxyError>) -> Void) {
        self.context = context
        self.server = server
        self.head = head
        self.body = body
        self.expecting = expecting
        self.completion = completion
    }

    func start() {
        timer = context.loop.schedule(afterSeconds: onMessage != nil ? server.timeout : min(server.timeout, 300)) { [self] in
            self.abort(.upstreamTimeout("MCP server '\(self.server.name)' did not answer"))
        }
        context.pool.open(exchange: self, target: server.target, head: head, bodyShape: head.method == "POST" ? .length(Int64(body.count)) : .none)
    }

    func cancel() {
        let u = up
        up = nil
        u?.cancel()
        completion = nil
        timer?.cancel()
    }

    private func abort(_ e: ProxyError) {
        let u = up
        up = nil
        u?.cancel()
        finish(.failure(e))
    }

    private func finish(_ r: Result<Response, ProxyError>) {
        timer?.cancel()
        timer = nil
        up = nil
        let c = completion
        completion = nil
        c?(r)
    }

    // MARK: UpstreamClient

    var downstream: (any DownstreamStream)? { nil }

    /// The body is kept and sent on every attach.
    var canReplayRequest: Bool { true }

    func upstreamAttached(_ up: any UpstreamStream) {
        guard completion != nil else {
            up.cancel()
            return
        }
        self.up = up
        if head.method == "POST" {
            body.withUnsafeBytes { up.sendRequestBody($0) }
            up.sendRequestEnd()
        }
    }

    func upstreamDrained() {}

    func upstreamResponseHead(_ head: consuming HTTPResponseHead, endStream: Bool) {
        status = head.status
        headers = head.headers
        if ProxyExchange.isEventStream(head) { events = SSEParser(maxEventBytes: Self.maxBytes) }
        if endStream { upstreamResponseEnd(trailers: nil) }
    }

    func upstreamResponseBody(_ bytes: UnsafeRawBufferPointer) {
        guard completion != nil else { return }
        if events != nil {
            do {
                try events!.feed(bytes) { ev in
                    if let onMessage {
                        if ev.hasData, let v = try? JSONValue(parsing: Array(ev.data.utf8)) { onMessage(v) }
                        return
                    }
                    guard ev.hasData, message == nil,
                          let v = try? JSONValue(parsing: Array(ev.data.utf8)),
                          let id = v["id"], expecting.map({ $0.json == id }) ?? true,
                          v["result"] != nil || v["error"] != nil
                    else { return }
                    message = v
                }
            } catch {
                abort(tooLarge)
                return
            }
            // The answer arrived: a server may keep the stream open; nothing more is needed.
            if message != nil {
                let u = up
                up = nil
                u?.cancel()
                finish(.success(Response(status: status, headers: headers, message: message, body: [])))
            }
            return
        }
        guard collected.count + bytes.count <= Self.maxBytes else {
            abort(tooLarge)
            return
        }
        collected.append(contentsOf: bytes)
    }

    private var tooLarge: ProxyError {
        .upstreamUnavailable("MCP server '\(server.name)' sent an answer over \(Self.maxBytes) bytes")
    }

    func upstreamResponseEnd(trailers: HTTPHeaders?) {
        guard completion != nil else { return }
        if events == nil, !collected.isEmpty { message = try? JSONValue(parsing: collected) }
        finish(.success(Response(status: status, headers: headers, message: message, body: collected)))
    }

    func upstreamFailed(_ error: ProxyError) {
        finish(.failure(error))
    }
}

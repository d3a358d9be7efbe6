import TollgateHTTP
import TollgateLLM

/// What a filter wants after seeing part of a request.
enum FilterVerdict {
    case proceed
    /// Hand me the whole request body (bounded by --max-body-bytes) before it is forwarded.
    case needBody
    /// Answer now, in the caller's protocol, without forwarding.
    case respond(ProxyError)
    /// Wait: the chain stops here until the filter calls `x.resumeFilters(_:)` on the exchange's
    /// loop with its real verdict (e.g. once its WAL record is on disk). Later filters and the
    /// upstream wait too; if the exchange ends meanwhile, the resume does nothing.
    case suspend
    /// Answer now with a response the proxy produces itself (GET /v1/models).
    case reply(LocalResponse)
}

/// How an exchange ended, for filters that account for it.
struct ExchangeOutcome {
    var status: Int
    /// The response did not end cleanly (upstream failure mid-body, client gone, timeout).
    var cut: Bool
    var durationNanos: UInt64
    var ttfbNanos: UInt64?
}

/// One stage of the request pipeline, as in Envoy: an instance per exchange (per-request state
/// lives in the filter, never in globals), called on the exchange's loop, never blocking it.
/// Filters run in chain order for every hook.
protocol ExchangeFilter: AnyObject {
    func requestHead(_ x: ProxyExchange) -> FilterVerdict
    /// The whole body, only when some filter asked for it; may rewrite it.
    func requestBody(_ x: ProxyExchange, _ body: inout [UInt8]) -> FilterVerdict
    /// May edit the response head before it goes downstream.
    func responseHead(_ x: ProxyExchange, _ head: inout HTTPResponseHead)
    /// Whether this filter wants text/event-stream responses split into events.
    var wantsEvents: Bool { get }
    /// One SSE event as it passes; the first filter that does not forward decides.
    func responseEvent(_ x: ProxyExchange, _ event: SSEEvent) -> StreamEventAction
    /// Response bytes of a non-event response as they pass (read-only tap).
    func responseBody(_ x: ProxyExchange, _ bytes: UnsafeRawBufferPointer)
    /// Called exactly once when the exchange ends, however it ends.
    func complete(_ x: ProxyExchange, _ outcome: ExchangeOutcome)
}

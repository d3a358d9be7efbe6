/// Why one attempt at a deployment did not produce a usable response, and whether the next
/// deployment should be tried. Only failures before any byte went downstream are retried.
public enum AttemptFailure: Sendable, Equatable {
    case connect
    case timeout
    /// The provider answered with this status.
    case status(Int)

    /// Connection errors, timeouts, 429 and 5xx fall back; other statuses are the answer.
    public var isRetryable: Bool {
        switch self {
        case .connect, .timeout: return true
        case .status(let s): return s == 429 || s >= 500
        }
    }

    /// Whether it counts against the deployment's breaker. A 429 is the provider's flow
    /// control, honoured through Retry-After, not a sign the deployment is broken.
    public var countsAsFailure: Bool {
        switch self {
        case .connect, .timeout: return true
        case .status(let s): return s >= 500
        }
    }
}

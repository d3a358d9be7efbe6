import TollgateLLM
import TollgateRouting

/// The routing decision for one request: the endpoints to try in order, how many attempts
/// the retry budget allows, and which attempt is current. Loop-confined (one per exchange).
/// A value kept inside the exchange: a class cost two allocations per request (the plan and
/// its one-endpoint order), now the passthrough order is shared from the policy.
struct RoutePlan {
    let api: LLMAPI?
    /// The model alias the client asked for (nil when the request names none).
    let alias: String?
    let order: [UpstreamEndpoint]
    let maxAttempts: Int
    private(set) var attempts = 0
    private var cursor = 0
    private(set) var current: UpstreamEndpoint?
    /// Whether the request can be sent again (its whole body is kept).
    var replayable: Bool

    init(api: LLMAPI?, alias: String?, order: [UpstreamEndpoint], maxAttempts: Int, replayable: Bool) {
        self.api = api
        self.alias = alias
        self.order = order
        self.maxAttempts = max(1, maxAttempts)
        self.replayable = replayable
    }

    /// The next endpoint whose breaker admits a request now (an expired open breaker admits
    /// this request as its probe), or nil when the retry budget or the candidates are spent.
    mutating func next(now: UInt64) -> UpstreamEndpoint? {
        guard attempts < maxAttempts, !order.isEmpty else { return nil }
        // Each call looks at every candidate at most once, starting after the last one tried.
        for _ in 0..<order.count {
            let e = order[cursor % order.count]
            cursor += 1
            if e.health.admit(now: now) {
                attempts += 1
                current = e
                return e
            }
        }
        return nil
    }

    /// Whether another attempt could start within `horizonNanos` (some candidate's breaker is
    /// closed or opens by then).
    func canRetry(now: UInt64, horizonNanos: UInt64) -> Bool {
        guard replayable, attempts < maxAttempts else { return false }
        return order.contains { $0.health.isAvailable(now: now &+ horizonNanos) }
    }

    var hasFallback: Bool { replayable && maxAttempts > 1 && order.count > 1 }
}

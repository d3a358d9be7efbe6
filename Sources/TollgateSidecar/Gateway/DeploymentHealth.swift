import Synchronization
import TollgateRouting

/// The shared health of one deployment: its circuit breaker and in-flight count, used by
/// every loop. Kept across config reloads (by deployment id) so a reload does not forget
/// that a provider is down.
final class DeploymentHealth: Sendable {
    private let breaker: Mutex<CircuitBreaker>
    private let inflightCount = Atomic<Int>(0)

    init(failureThreshold: Int, cooldownNanos: UInt64) {
        breaker = Mutex(CircuitBreaker(failureThreshold: failureThreshold, cooldownNanos: cooldownNanos))
    }

    var inflight: Int { inflightCount.load(ordering: .relaxed) }

    func isAvailable(now: UInt64) -> Bool { breaker.withLock { $0.isAvailable(now: now) } }
    func admit(now: UInt64) -> Bool { breaker.withLock { $0.admit(now: now) } }
    var isOpen: Bool { breaker.withLock { $0.isOpen } }

    func attemptStarted() { inflightCount.add(1, ordering: .relaxed) }
    func attemptEnded() { inflightCount.subtract(1, ordering: .relaxed) }

    func recordSuccess() { breaker.withLock { $0.recordSuccess() } }
    func recordFailure(now: UInt64) { breaker.withLock { $0.recordFailure(now: now) } }
    func holdOff(untilNanos: UInt64) { breaker.withLock { $0.holdOff(untilNanos: untilNanos) } }
    func recordAbandoned() { breaker.withLock { $0.recordAbandoned() } }

    /// A reload may change the thresholds; the state carries over.
    func configure(failureThreshold: Int, cooldownNanos: UInt64) {
        breaker.withLock {
            $0.failureThreshold = max(1, failureThreshold)
            $0.cooldownNanos = cooldownNanos
        }
    }
}

import Synchronization
import TollgateRouting

/// The shared health of one deployment: its circuit breaker and in-flight count, used by
/// every loop. Kept across config reloads (by deployment id) so a reload does not forget
/// that a provider is down.
final class DeploymentHealth: Sendable {
    private let breaker: Mutex<CircuitBreaker>
    private let inflightCount = Atomic<Int>(0)
    /// The breaker is closed with no failure counted: the state of a healthy deployment, in
    /// which admitting a request or recording a success changes nothing. Read without the lock,
    /// so the usual request takes none (two lock round trips per request, on a lock every loop
    /// shares); written under the lock after every change.
    private let closedClean = Atomic<Bool>(true)

    init(failureThreshold: Int, cooldownNanos: UInt64) {
        breaker = Mutex(CircuitBreaker(failureThreshold: failureThreshold, cooldownNanos: cooldownNanos))
    }

    var inflight: Int { inflightCount.load(ordering: .relaxed) }

    private var isClean: Bool { closedClean.load(ordering: .acquiring) }

    /// Runs `change` under the lock and republishes whether the breaker is clean.
    private func update<R>(_ change: (inout CircuitBreaker) -> R) -> R {
        breaker.withLock { b in
            let r = change(&b)
            closedClean.store(b.state == .closed(consecutiveFailures: 0), ordering: .releasing)
            return r
        }
    }

    func isAvailable(now: UInt64) -> Bool { isClean || breaker.withLock { $0.isAvailable(now: now) } }
    func admit(now: UInt64) -> Bool { isClean || update { $0.admit(now: now) } }
    var isOpen: Bool { !isClean && breaker.withLock { $0.isOpen } }

    func attemptStarted() { inflightCount.add(1, ordering: .relaxed) }
    func attemptEnded() { inflightCount.subtract(1, ordering: .relaxed) }

    func recordSuccess() { if !isClean { update { $0.recordSuccess() } } }
    func recordFailure(now: UInt64) { update { $0.recordFailure(now: now) } }
    func holdOff(untilNanos: UInt64) { update { $0.holdOff(untilNanos: untilNanos) } }
    func recordAbandoned() { if !isClean { update { $0.recordAbandoned() } } }

    /// A reload may change the thresholds; the state carries over.
    func configure(failureThreshold: Int, cooldownNanos: UInt64) {
        update {
            $0.failureThreshold = max(1, failureThreshold)
            $0.cooldownNanos = cooldownNanos
        }
    }
}

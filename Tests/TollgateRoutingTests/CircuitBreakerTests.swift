import Testing
@testable import TollgateRouting

@Suite struct CircuitBreakerTests {
    private func admit(_ b: inout CircuitBreaker, _ now: UInt64) -> Bool { b.admit(now: now) }

    /// Opens after the configured number of consecutive failures, not before.
    @Test func opensAfterThreshold() {
        var b = CircuitBreaker(failureThreshold: 3, cooldownNanos: 1_000)
        b.recordFailure(now: 0)
        b.recordFailure(now: 0)
        #expect(admit(&b, 0))
        b.recordFailure(now: 10)
        #expect(b.state == .open(untilNanos: 1_010))
        #expect(!admit(&b, 500))
    }

    /// A success in between resets the count of consecutive failures.
    @Test func successResetsCount() {
        var b = CircuitBreaker(failureThreshold: 2, cooldownNanos: 1_000)
        b.recordFailure(now: 0)
        b.recordSuccess()
        b.recordFailure(now: 0)
        #expect(!b.isOpen)
    }

    /// After the cooldown exactly one probe goes through; its success closes the breaker.
    @Test func halfOpenSingleProbeThenClose() {
        var b = CircuitBreaker(failureThreshold: 1, cooldownNanos: 100)
        b.recordFailure(now: 0)
        #expect(!admit(&b, 99))
        #expect(admit(&b, 100))
        #expect(b.state == .halfOpen)
        #expect(!admit(&b, 101))
        b.recordSuccess()
        #expect(admit(&b, 102))
        #expect(b.state == .closed(consecutiveFailures: 0))
    }

    /// A failed probe opens the breaker for another full cooldown.
    @Test func failedProbeReopens() {
        var b = CircuitBreaker(failureThreshold: 1, cooldownNanos: 100)
        b.recordFailure(now: 0)
        #expect(admit(&b, 150))
        b.recordFailure(now: 150)
        #expect(b.state == .open(untilNanos: 250))
    }

    /// Retry-After holds a deployment off until the time the provider named, never shorter.
    @Test func holdOffNeverShortens() {
        var b = CircuitBreaker(failureThreshold: 5, cooldownNanos: 100)
        b.holdOff(untilNanos: 5_000)
        #expect(!b.isAvailable(now: 4_999))
        b.holdOff(untilNanos: 1_000)
        #expect(b.state == .open(untilNanos: 5_000))
        #expect(b.isAvailable(now: 5_000))
    }

    /// An abandoned probe frees the slot so the next request can probe.
    @Test func abandonedProbeFreesSlot() {
        var b = CircuitBreaker(failureThreshold: 1, cooldownNanos: 10)
        b.recordFailure(now: 0)
        #expect(admit(&b, 10))
        b.recordAbandoned()
        #expect(admit(&b, 11))
    }
}

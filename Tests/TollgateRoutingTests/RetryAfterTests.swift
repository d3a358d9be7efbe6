import Testing
@testable import TollgateRouting

@Suite struct RetryAfterTests {
    /// Delta-seconds, fractional seconds and OpenAI's retry-after-ms are read; ms wins.
    @Test func deltaForms() {
        #expect(RetryAfter.nanos(retryAfter: "2", retryAfterMillis: nil, nowUnixSeconds: 0) == 2_000_000_000)
        #expect(RetryAfter.nanos(retryAfter: " 0.5 ", retryAfterMillis: nil, nowUnixSeconds: 0) == 500_000_000)
        #expect(RetryAfter.nanos(retryAfter: "20", retryAfterMillis: "150", nowUnixSeconds: 0) == 150_000_000)
    }

    /// The IMF-fixdate form is measured from now, and a past date means no wait.
    @Test func dateForm() {
        // 1994-11-06T08:49:37Z = 784111777
        #expect(HTTPDate.unixSeconds("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(RetryAfter.nanos(retryAfter: "Sun, 06 Nov 1994 08:49:47 GMT", retryAfterMillis: nil, nowUnixSeconds: 784_111_777) == 10_000_000_000)
        #expect(RetryAfter.nanos(retryAfter: "Sun, 06 Nov 1994 08:49:37 GMT", retryAfterMillis: nil, nowUnixSeconds: 784_111_800) == 0)
    }

    /// Garbage, negatives and absent headers give no hint rather than a wrong one.
    @Test func garbageIgnored() {
        #expect(RetryAfter.nanos(retryAfter: nil, retryAfterMillis: nil, nowUnixSeconds: 0) == nil)
        #expect(RetryAfter.nanos(retryAfter: "soon", retryAfterMillis: "x", nowUnixSeconds: 0) == nil)
        #expect(RetryAfter.nanos(retryAfter: "-3", retryAfterMillis: nil, nowUnixSeconds: 0) == nil)
        #expect(RetryAfter.nanos(retryAfter: "Sun, 36 Nov 1994 08:49:37 GMT", retryAfterMillis: nil, nowUnixSeconds: 0) == nil)
    }
}

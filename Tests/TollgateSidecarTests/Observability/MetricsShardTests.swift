import Testing
@testable import TollgateSidecar

struct MetricsShardTests {
    /// The literal bucket switch agrees with `latencyBuckets` (first bound >= seconds, else
    /// +Inf), at, just below and just above every bound, and for NaN.
    @Test func latencyBucketMatchesBounds() {
        let bounds = MetricsShard.latencyBuckets
        func reference(_ seconds: Double) -> Int { bounds.firstIndex { seconds <= $0 } ?? bounds.count }
        var samples: [Double] = [-1, 0, 1000, .infinity, -.infinity]
        for b in bounds { samples += [b, b.nextDown, b.nextUp] }
        for s in samples { #expect(MetricsShard.latencyBucket(seconds: s) == reference(s), "seconds \(s)") }
        #expect(MetricsShard.latencyBucket(seconds: .nan) == bounds.count)
        #expect(MetricsShard.latencySlots == bounds.count + 1)
        #expect(MetricsShard.protocolCount == MetricsShard.protocols.count)
    }

    /// Requests land in their protocol/status slot and latency bucket; out-of-range statuses
    /// count as status 0; the renderer shows them.
    @Test func recordsAndRenders() {
        let shard = MetricsShard()
        shard.recordRequest(protocolIndex: 0, status: 200, seconds: 0.0004)
        shard.recordRequest(protocolIndex: 0, status: 200, seconds: 0.2)
        shard.recordRequest(protocolIndex: 1, status: 503, seconds: 400)
        shard.recordRequest(protocolIndex: 1, status: 999, seconds: 0.001)
        #expect(shard.requestCount(protocolIndex: 0, status: 200) == 2)
        #expect(shard.requestCount(protocolIndex: 1, status: 503) == 1)
        #expect(shard.requestCount(protocolIndex: 1, status: 0) == 1)
        #expect(shard.requestCount(protocolIndex: 0, status: 503) == 0)
        #expect(shard.latencyCount(bucket: 0) == 1)
        #expect(shard.latencyCount(bucket: 1) == 1)
        #expect(shard.latencyCount(bucket: 8) == 1)
        #expect(shard.latencyCount(bucket: MetricsShard.latencyBuckets.count) == 1)
        let text = MetricsRenderer.render([shard, MetricsShard()])
        #expect(text.contains("tollgate_requests_total{protocol=\"http1\",status=\"200\"} 2\n"))
        #expect(text.contains("tollgate_requests_total{protocol=\"h2\",status=\"0\"} 1\n"))
        #expect(text.contains("tollgate_request_duration_seconds_bucket{le=\"+Inf\"} 4\n"))
        #expect(text.contains("tollgate_request_duration_seconds_count 4\n"))
    }
}

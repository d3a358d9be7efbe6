import Synchronization

/// One relaxed atomic counter; a class so counters can live in arrays.
public final class Counter: Sendable {
    let value = Atomic<UInt64>(0)
    @inline(__always) func add(_ n: UInt64) { value.add(n, ordering: .relaxed) }
    @inline(__always) func load() -> UInt64 { value.load(ordering: .relaxed) }
}

/// Data-plane counters. Each loop writes only its own shard (relaxed atomics, no contention);
/// the admin endpoint sums the shards when scraped.
public final class MetricsShard: Sendable {
    public static let protocols = ["http1", "h2"]
    /// Upper bounds of the request latency histogram, in seconds.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

    /// requests[protocol * 600 + status]
    let requests: [Counter]
    let latencyCounts: [Counter]   // per bucket (+Inf last)
    let latencySumMicros = Atomic<UInt64>(0)
    let activeConnections = Atomic<Int64>(0)
    let acceptedConnections = Atomic<UInt64>(0)
    let bytesReceived = Atomic<UInt64>(0)
    let bytesSent = Atomic<UInt64>(0)
    let upstreamErrors = Atomic<UInt64>(0)
    let clientAborts = Atomic<UInt64>(0)
    let upstreamRetries = Atomic<UInt64>(0)

    public init() {
        requests = (0..<(MetricsShard.protocols.count * 600)).map { _ in Counter() }
        latencyCounts = (0...MetricsShard.latencyBuckets.count).map { _ in Counter() }
    }

    public func recordRequest(protocolIndex: Int, status: Int, seconds: Double) {
        let s = (status >= 100 && status < 600) ? status : 0
        requests[protocolIndex * 600 + s].add(1)
        var b = MetricsShard.latencyBuckets.count
        for (i, bound) in MetricsShard.latencyBuckets.enumerated() where seconds <= bound {
            b = i
            break
        }
        latencyCounts[b].add(1)
        latencySumMicros.add(UInt64(max(0, seconds) * 1e6), ordering: .relaxed)
    }

    public func connectionOpened() {
        activeConnections.add(1, ordering: .relaxed)
        acceptedConnections.add(1, ordering: .relaxed)
    }

    public func connectionClosed() {
        activeConnections.subtract(1, ordering: .relaxed)
    }

    @inline(__always) public func received(_ n: Int) { bytesReceived.add(UInt64(n), ordering: .relaxed) }
    @inline(__always) public func sent(_ n: Int) { bytesSent.add(UInt64(n), ordering: .relaxed) }

    public func upstreamError() { upstreamErrors.add(1, ordering: .relaxed) }
    public func clientAbort() { clientAborts.add(1, ordering: .relaxed) }
    public func upstreamRetry() { upstreamRetries.add(1, ordering: .relaxed) }
}

/// Renders the Prometheus text exposition of all shards.
public struct MetricsRenderer {
    public static func render(_ shards: [MetricsShard]) -> String {
        var out = ""
        out += "# HELP tollgate_requests_total Requests answered, by downstream protocol and status.\n"
        out += "# TYPE tollgate_requests_total counter\n"
        for (pi, p) in MetricsShard.protocols.enumerated() {
            for status in 0..<600 {
                var n: UInt64 = 0
                for s in shards { n &+= s.requests[pi * 600 + status].load() }
                if n > 0 { out += "tollgate_requests_total{protocol=\"\(p)\",status=\"\(status)\"} \(n)\n" }
            }
        }
        out += "# HELP tollgate_request_duration_seconds Time from request head to end of response.\n"
        out += "# TYPE tollgate_request_duration_seconds histogram\n"
        var cumulative: UInt64 = 0
        for (i, bound) in MetricsShard.latencyBuckets.enumerated() {
            for s in shards { cumulative &+= s.latencyCounts[i].load() }
            out += "tollgate_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        for s in shards { cumulative &+= s.latencyCounts[MetricsShard.latencyBuckets.count].load() }
        out += "tollgate_request_duration_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
        let sumMicros = shards.reduce(UInt64(0)) { $0 &+ $1.latencySumMicros.load(ordering: .relaxed) }
        out += "tollgate_request_duration_seconds_sum \(Double(sumMicros) / 1e6)\n"
        out += "tollgate_request_duration_seconds_count \(cumulative)\n"
        func gauge(_ name: String, _ help: String, _ type: String, _ value: (MetricsShard) -> Int64) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(shards.reduce(Int64(0)) { $0 &+ value($1) })\n"
        }
        gauge("tollgate_active_connections", "Open downstream connections.", "gauge") { $0.activeConnections.load(ordering: .relaxed) }
        gauge("tollgate_connections_accepted_total", "Downstream connections accepted.", "counter") { Int64($0.acceptedConnections.load(ordering: .relaxed)) }
        gauge("tollgate_bytes_received_total", "Bytes read from downstream connections.", "counter") { Int64($0.bytesReceived.load(ordering: .relaxed)) }
        gauge("tollgate_bytes_sent_total", "Bytes queued to downstream connections.", "counter") { Int64($0.bytesSent.load(ordering: .relaxed)) }
        gauge("tollgate_upstream_errors_total", "Upstream connect failures, resets and timeouts.", "counter") { Int64($0.upstreamErrors.load(ordering: .relaxed)) }
        gauge("tollgate_client_aborts_total", "Requests abandoned by the client before the response ended.", "counter") { Int64($0.clientAborts.load(ordering: .relaxed)) }
        gauge("tollgate_upstream_retries_total", "Attempts abandoned for the next deployment (connect error, timeout, 429, 5xx).", "counter") { Int64($0.upstreamRetries.load(ordering: .relaxed)) }
        return out
    }
}

import Synchronization

/// Data-plane counters. Each loop writes only its own shard (relaxed atomics, no contention);
/// the admin endpoint sums the shards when scraped.
public final class MetricsShard: Sendable {
    public static let protocols = ["http1", "h2"]
    /// Upper bounds of the request latency histogram, in seconds.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]
    /// `latencyBuckets` as a literal switch in `recordRequest`: reading the static array cost a
    /// swift_once call per request. The two must agree (checked by MetricsShardTests).
    static func latencyBucket(seconds: Double) -> Int {
        switch seconds {
        case ...0.0005: return 0
        case ...0.001: return 1
        case ...0.0025: return 2
        case ...0.005: return 3
        case ...0.01: return 4
        case ...0.025: return 5
        case ...0.05: return 6
        case ...0.1: return 7
        case ...0.25: return 8
        case ...0.5: return 9
        case ...1: return 10
        case ...2.5: return 11
        case ...5: return 12
        case ...10: return 13
        case ...30: return 14
        case ...60: return 15
        case ...300: return 16
        default: return 17
        }
    }

    static let protocolCount = 2
    static let statusSlots = 600
    static let latencySlots = 18
    static let slotCount = protocolCount * statusSlots + latencySlots
    /// requests (protocol * 600 + status), then latency buckets (+Inf last), in one block of
    /// atomics: an array of counter objects cost a retain and a release per counter touched.
    /// Written only through atomics; allocated in init, freed in deinit.
    nonisolated(unsafe) private let slots: UnsafeMutablePointer<Atomic<UInt64>>
    let latencySumMicros = Atomic<UInt64>(0)
    let activeConnections = Atomic<Int64>(0)
    let acceptedConnections = Atomic<UInt64>(0)
    let bytesReceived = Atomic<UInt64>(0)
    let bytesSent = Atomic<UInt64>(0)
    let upstreamErrors = Atomic<UInt64>(0)
    let clientAborts = Atomic<UInt64>(0)
    let upstreamRetries = Atomic<UInt64>(0)

    public init() {
        slots = .allocate(capacity: Self.slotCount)
        for i in 0..<Self.slotCount { (slots + i).initialize(to: Atomic<UInt64>(0)) }
    }

    deinit {
        slots.deinitialize(count: Self.slotCount)
        slots.deallocate()
    }

    public func recordRequest(protocolIndex: Int, status: Int, seconds: Double) {
        let s = (status >= 100 && status < 600) ? status : 0
        slots[protocolIndex * Self.statusSlots + s].add(1, ordering: .relaxed)
        slots[Self.protocolCount * Self.statusSlots + Self.latencyBucket(seconds: seconds)].add(1, ordering: .relaxed)
        latencySumMicros.add(UInt64(max(0, seconds) * 1e6), ordering: .relaxed)
    }

    /// Requests answered with `status` on protocol `protocolIndex` (0 for statuses out of range).
    func requestCount(protocolIndex: Int, status: Int) -> UInt64 {
        slots[protocolIndex * Self.statusSlots + status].load(ordering: .relaxed)
    }

    /// Requests in latency bucket `bucket` (`latencyBuckets.count` is +Inf).
    func latencyCount(bucket: Int) -> UInt64 {
        slots[Self.protocolCount * Self.statusSlots + bucket].load(ordering: .relaxed)
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
                for s in shards { n &+= s.requestCount(protocolIndex: pi, status: status) }
                if n > 0 { out += "tollgate_requests_total{protocol=\"\(p)\",status=\"\(status)\"} \(n)\n" }
            }
        }
        out += "# HELP tollgate_request_duration_seconds Time from request head to end of response.\n"
        out += "# TYPE tollgate_request_duration_seconds histogram\n"
        var cumulative: UInt64 = 0
        for (i, bound) in MetricsShard.latencyBuckets.enumerated() {
            for s in shards { cumulative &+= s.latencyCount(bucket: i) }
            out += "tollgate_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        for s in shards { cumulative &+= s.latencyCount(bucket: MetricsShard.latencyBuckets.count) }
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

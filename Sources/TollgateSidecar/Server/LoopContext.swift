import TollgateRouting
import TollgateTransport

/// A downstream connection handler that the drain logic can reach.
protocol DownstreamConnection: AnyObject {
    /// Stop taking new requests; close once in-flight ones finish.
    func beginDrain()
    /// Close now (drain timeout).
    func forceClose()
}

/// Everything one loop owns: its upstream pool, metrics shard and open downstream connections.
/// Loop-confined: only its loop's thread touches it (other threads go through `loop.execute`).
final class LoopContext: @unchecked Sendable {
    let loop: EventLoop
    let options: SidecarOptions
    let metrics: MetricsShard
    let pool: UpstreamPool
    let services: SidecarServices
    private var requestCounter: UInt64 = 0
    /// This loop's copy of the current gateway policy, refreshed when a reload bumps the version.
    private var cachedPolicy: GatewayPolicy
    /// Jitter and weighted choices; seeded per loop so loops do not move in step.
    var random: SplitMix64
    private(set) var connections: [ObjectIdentifier: any DownstreamConnection] = [:]
    private(set) var draining = false
    var onDrained: (() -> Void)?

    init(loop: EventLoop, options: SidecarOptions, metrics: MetricsShard, pool: UpstreamPool, services: SidecarServices) {
        self.loop = loop
        self.options = options
        self.metrics = metrics
        self.pool = pool
        self.services = services
        self.cachedPolicy = services.policy
        self.random = SplitMix64(seed: UInt64(bitPattern: MonotonicClock.wallNanos()) &+ UInt64(loop.index) &* 0x9E37_79B9)
    }

    /// The current gateway policy (one atomic load per request; the lock only after a reload).
    var policy: GatewayPolicy {
        if cachedPolicy.version != services.policyVersion { cachedPolicy = services.policy }
        return cachedPolicy
    }

    /// A request id unique in this process: loop index, then a per-loop counter.
    func nextRequestID() -> String {
        requestCounter &+= 1
        return "\(loop.index)-\(requestCounter)"
    }

    func add(_ c: any DownstreamConnection) {
        connections[ObjectIdentifier(c)] = c
        metrics.connectionOpened()
    }

    func remove(_ c: any DownstreamConnection) {
        guard connections.removeValue(forKey: ObjectIdentifier(c)) != nil else { return }
        metrics.connectionClosed()
        if draining && connections.isEmpty { finishDrain() }
    }

    func beginDrain() {
        guard !draining else { return }
        draining = true
        pool.closeIdle()
        for c in Array(connections.values) { c.beginDrain() }
        if connections.isEmpty { finishDrain() }
    }

    func forceClose() {
        for c in Array(connections.values) { c.forceClose() }
    }

    private func finishDrain() {
        let cb = onDrained
        onDrained = nil
        cb?()
    }
}

import TollgateHTTP
import TollgateLLM
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
    /// Default upstream timeouts of this loop's exchanges.
    let deadlines: ExchangeDeadlines
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
        self.deadlines = ExchangeDeadlines(loop: loop, timeoutSeconds: options.upstreamTimeout)
        self.cachedPolicy = services.policy
        self.random = SplitMix64(seed: UInt64(bitPattern: MonotonicClock.wallNanos()) &+ UInt64(loop.index) &* 0x9E37_79B9)
    }

    // The exchange reaches these through the context: written there as
    // `context.deadlines.add(x)`, each call retained and released the object behind the
    // context's let around it; called from the context's own method it is borrowed. Not
    // inlined, or the caller would hold the same two-level chain again.
    @inline(never) func addDeadline(_ x: ProxyExchange) { deadlines.add(x) }
    @inline(never) func removeDeadline(_ x: ProxyExchange) { deadlines.remove(x) }
    @inline(never) func recordRequest(protocolIndex: Int, status: Int, seconds: Double) {
        metrics.recordRequest(protocolIndex: protocolIndex, status: status, seconds: seconds)
    }
    @inline(never) func openUpstream(exchange: ProxyExchange, target: UpstreamTarget, head: HTTPRequestHead, bodyShape: RequestBodyShape) {
        pool.open(exchange: exchange, target: target, head: head, bodyShape: bodyShape)
    }
    @inline(never) func makeFilters(policy: GatewayPolicy) -> FilterChain { services.makeFilters(policy: policy) }

    /// The current gateway policy (one atomic load per request; the lock only after a reload).
    var policy: GatewayPolicy {
        if cachedPolicy.version != services.policyVersion { cachedPolicy = services.policy }
        return cachedPolicy
    }

    /// The last price looked up on this loop, by policy version and model names: traffic
    /// mostly names a few models, and the table lookup (normalize, hash) cost ~700
    /// instructions per request. Kept in separate fields: a tuple was copied whole to compare.
    private var lastPriceVersion: UInt64 = .max
    private var lastPriceAlias: String?
    private var lastPriceServed: String?
    private var lastPrice: ModelPrice?

    /// `policy.price(alias:served:)`, remembered for the last pair of names.
    func price(alias: String?, served: String?, in policy: GatewayPolicy) -> ModelPrice? {
        if lastPriceVersion == policy.version && lastPriceAlias == alias && lastPriceServed == served { return lastPrice }
        let price = policy.price(alias: alias, served: served)
        lastPriceVersion = policy.version
        lastPriceAlias = alias
        lastPriceServed = served
        lastPrice = price
        return price
    }

    /// Byte buffers reused across this loop's requests (request bodies kept for inspection,
    /// response copies for usage): an allocation and a free per buffer per request otherwise.
    private var spareBuffers: [[UInt8]] = []
    static let maxSpareBuffers = 64
    static let maxSpareCapacity = 64 << 10

    /// An empty buffer, with capacity when a spare is at hand.
    func takeBuffer() -> [UInt8] { spareBuffers.popLast() ?? [] }

    /// Takes `buffer` (leaving it empty) for reuse; large ones are freed instead, so a few
    /// big bodies do not pin memory.
    func recycle(_ buffer: inout [UInt8]) {
        var b: [UInt8] = []
        swap(&b, &buffer)
        guard b.capacity > 0, b.capacity <= Self.maxSpareCapacity, spareBuffers.count < Self.maxSpareBuffers else { return }
        b.removeAll(keepingCapacity: true)
        // Moved in: appending a copy retained and released the buffer (twice per request).
        spareBuffers.append(consume b)
    }

    /// The next request's serial on this loop; `requestID(serial:)` spells it.
    func nextRequestSerial() -> UInt64 {
        requestCounter &+= 1
        return requestCounter
    }

    /// A request id unique in this process: loop index, then the per-loop serial.
    func requestID(serial: UInt64) -> String {
        // "index-counter" written by hand: the interpolation cost ~800 instructions a request,
        // this ~150 (ids up to 15 bytes are small strings: no allocation either way).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 42) { buf in
            let p = buf.baseAddress!
            var n = Self.writeDecimal(UInt64(truncatingIfNeeded: max(loop.index, 0)), to: p)
            p[n] = UInt8(ascii: "-")
            n += 1
            n += Self.writeDecimal(serial, to: p + n)
            return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        }
    }

    /// Writes `v` in decimal at `p` (at most 20 bytes); returns the byte count.
    private static func writeDecimal(_ v: UInt64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var digits = 1
        var t = v / 10
        while t > 0 { digits += 1; t /= 10 }
        var m = v
        var i = digits - 1
        repeat {
            p[i] = UInt8(truncatingIfNeeded: 0x30 + m % 10)
            m /= 10
            i -= 1
        } while m > 0
        return digits
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

import Dispatch
import Synchronization
import TollgateTransport

/// Where egress hosts are dialed: configured overrides first (tests, pinned endpoints), then
/// DNS answers cached for a minute. DNS runs off the event loops (getaddrinfo blocks) and the
/// answer comes back on the asking loop.
final class EgressResolver: Sendable {
    static let ttlNanos: UInt64 = 60_000_000_000

    let overrides: [String: SocketAddress]
    private let cache = Mutex<[String: (addresses: [SocketAddress], expires: UInt64)]>([:])

    init(overrides: [String: SocketAddress]) {
        self.overrides = overrides
    }

    private static func key(_ host: String, _ port: UInt16) -> String { "\(host):\(port)" }

    /// Known addresses (an override, or a cached answer even if stale); nil if never resolved.
    func known(host: String, port: UInt16) -> [SocketAddress]? {
        if let o = overrides[EgressHostPattern.normalize(host)] { return [o] }
        if let a = try? SocketAddress(host: host, port: port) { return [a] }
        return cache.withLock { $0[Self.key(host, port)]?.addresses }
    }

    /// Resolves without blocking `loop`; `done` runs on `loop` (at once when the answer is known).
    func resolve(host: String, port: UInt16, on loop: EventLoop, _ done: @escaping (Result<[SocketAddress], TransportError>) -> Void) {
        if let o = overrides[EgressHostPattern.normalize(host)] { return done(.success([o])) }
        if let a = try? SocketAddress(host: host, port: port) { return done(.success([a])) }
        let k = Self.key(host, port)
        let now = MonotonicClock.now()
        if let hit = cache.withLock({ $0[k] }), hit.expires > now { return done(.success(hit.addresses)) }
        let callback = LoopBound(done)
        DispatchQueue.global().async { [self] in
            let result: Result<[SocketAddress], TransportError>
            do throws(TransportError) {
                let addrs = try Socket.resolve(host: host, port: port)
                cache.withLock { $0[k] = (addrs, MonotonicClock.now() &+ Self.ttlNanos) }
                result = .success(addrs)
            } catch {
                result = .failure(error)
            }
            loop.execute { callback.value(result) }
        }
    }

    /// Blocking lookup for the rare path that cannot wait (plain-HTTP absolute-form requests
    /// whose host was never resolved): the loop stalls for one getaddrinfo.
    func resolveNow(host: String, port: UInt16) -> [SocketAddress]? {
        if let a = known(host: host, port: port) { return a }
        guard let addrs = try? Socket.resolve(host: host, port: port) else { return nil }
        cache.withLock { $0[Self.key(host, port)] = (addrs, MonotonicClock.now() &+ Self.ttlNanos) }
        return addrs
    }
}

/// Carries a loop-confined value through a cross-thread hop back to the same loop.
struct LoopBound<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

import TollgateHTTP
import TollgateTransport

/// Per-loop upstream connections: idle HTTP/1.1 keep-alive connections and one multiplexed
/// HTTP/2 connection per target. Touched only by its loop, so it needs no locks.
final class UpstreamPool {
    let loop: EventLoop
    let options: SidecarOptions
    /// Addresses and TLS contexts come from the current gateway policy (a reload may add
    /// providers).
    let services: SidecarServices
    private var idle: [String: [HTTP1UpstreamConnection]] = [:]
    private var busy: [ObjectIdentifier: HTTP1UpstreamConnection] = [:]
    private var http2: [String: HTTP2UpstreamConnection] = [:]
    /// Targets known to speak HTTP/2 (prior knowledge or learned through ALPN).
    private var speaksHTTP2: Set<String> = []
    private var nextAddress = 0

    init(loop: EventLoop, options: SidecarOptions, services: SidecarServices) {
        self.loop = loop
        self.options = options
        self.services = services
    }

    /// Finds or opens a connection for `exchange` and starts its request.
    func open(exchange: any UpstreamClient, target: UpstreamTarget, head: HTTPRequestHead, bodyShape: RequestBodyShape) {
        let key = target.poolKey
        if target.priorKnowledgeH2 || (!speaksHTTP2.isEmpty && speaksHTTP2.contains(key)) {
            let conn: HTTP2UpstreamConnection
            if let c = http2[key], c.acceptsNewStreams {
                conn = c
            } else {
                do {
                    conn = try HTTP2UpstreamConnection(pool: self, target: target, connection: newConnection(target))
                } catch {
                    exchange.upstreamFailed(.upstreamUnavailable(error.message))
                    return
                }
                http2[key] = conn
            }
            conn.open(exchange: exchange, head: head, bodyShape: bodyShape)
            return
        }
        // Popped in place: copying the list out and back hashed the key twice and copied
        // the array (its buffer was shared) on every request.
        while let c = idle[key]?.popLast() {
            if c.isIdle {
                busy[ObjectIdentifier(c)] = c
                c.start(exchange: exchange, head: head, bodyShape: bodyShape)
                return
            }
        }
        do {
            let c = HTTP1UpstreamConnection(pool: self, target: target, connection: try newConnection(target))
            busy[ObjectIdentifier(c)] = c
            c.start(exchange: exchange, head: head, bodyShape: bodyShape)
        } catch {
            exchange.upstreamFailed(.upstreamUnavailable(error.message))
        }
    }

    private func newConnection(_ target: UpstreamTarget) throws(TransportError) -> Connection {
        let policy = services.policy
        let configured = policy.ownedKeys.contains(target.poolKey)
        let egress = configured ? nil : services.egress
        // A configured host that did not resolve at load is looked up now (blocking this loop
        // once; the answer is cached).
        let resolver = egress?.resolver ?? services.resolver
        guard let addrs = policy.addresses[target.poolKey] ?? resolver.resolveNow(host: target.host, port: target.port), !addrs.isEmpty else {
            throw TransportError(.resolve, "no address for \(target.host)")
        }
        nextAddress &+= 1
        let addr = addrs[nextAddress % addrs.count]
        let tls = egress.map { $0.clientTLS(for: target) } ?? policy.tls(for: target)
        return try Connection(connectingTo: addr, loop: loop, tls: tls, serverName: target.host)
    }

    /// An HTTP/1.1 connection finished its exchange cleanly and can be reused.
    func release(_ c: HTTP1UpstreamConnection) {
        busy[ObjectIdentifier(c)] = nil
        idle[c.target.poolKey, default: []].append(c)
    }

    /// A connection closed: drop every reference to it.
    func forget(_ c: HTTP1UpstreamConnection) {
        busy[ObjectIdentifier(c)] = nil
        if var list = idle[c.target.poolKey], let i = list.firstIndex(where: { $0 === c }) {
            list.remove(at: i)
            idle[c.target.poolKey] = list
        }
    }

    func forget(_ c: HTTP2UpstreamConnection) {
        if http2[c.target.poolKey] === c { http2[c.target.poolKey] = nil }
    }

    /// ALPN chose h2 on a connection opened for HTTP/1.1: move its exchange to an HTTP/2
    /// connection built on the same socket, and remember that the target speaks HTTP/2.
    func promoteToHTTP2(_ c: HTTP1UpstreamConnection) {
        busy[ObjectIdentifier(c)] = nil
        let key = c.target.poolKey
        speaksHTTP2.insert(key)
        let h2 = HTTP2UpstreamConnection(pool: self, target: c.target, adopting: c.connection)
        if http2[key] == nil { http2[key] = h2 }
        if let (exchange, head, shape) = c.pendingForPromotion() {
            h2.open(exchange: exchange, head: head, bodyShape: shape)
        }
        h2.connectionDidBecomeActive(c.connection)
    }

    /// Closes idle connections (drain).
    func closeIdle() {
        for (_, list) in idle { for c in list { c.close() } }
        idle.removeAll()
    }
}

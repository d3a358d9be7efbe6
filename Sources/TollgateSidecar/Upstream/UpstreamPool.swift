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
    /// Idle connections per target, in the slot `slot(for:)` gives its pool key.
    private var idle: [[HTTP1UpstreamConnection]] = []
    private var slotByKey: [String: Int] = [:]
    /// The last key looked up and its slot: a request to the same target as the one before
    /// compares one String (the same buffer, so a pointer check) instead of hashing it twice
    /// (~800 instructions per request, measured).
    private var lastKey = ""
    private var lastSlot = -1
    /// Connections carrying an exchange (kept alive here); each knows its index.
    private var busy: [HTTP1UpstreamConnection] = []
    private var http2: [String: HTTP2UpstreamConnection] = [:]
    /// Targets known to speak HTTP/2 (prior knowledge or learned through ALPN).
    private var speaksHTTP2: Set<String> = []
    private var nextAddress = 0

    init(loop: EventLoop, options: SidecarOptions, services: SidecarServices) {
        self.loop = loop
        self.options = options
        self.services = services
    }

    /// Finds or opens a connection for `exchange` and starts its request; `fresh` marks a
    /// retry: it skips the idle HTTP/1.1 connections (a pooled one turned out closed) and is
    /// not retried again when an HTTP/2 upstream refuses it too.
    func open(exchange: any UpstreamClient, target: UpstreamTarget, head: HTTPRequestHead, bodyShape: RequestBodyShape,
              fresh: Bool = false) {
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
            conn.open(exchange: exchange, head: head, bodyShape: bodyShape, replayable: !fresh)
            return
        }
        // Popped in place: copying the list out and back copied the array (its buffer was
        // shared) on every request.
        let s = slot(for: key)
        while !fresh, let c = idle[s].popLast() {
            if c.isIdle {
                markBusy(c)
                c.start(exchange: exchange, head: head, bodyShape: bodyShape)
                return
            }
        }
        do {
            let c = HTTP1UpstreamConnection(pool: self, target: target, connection: try newConnection(target))
            markBusy(c)
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

    /// The idle list's slot for `key`, made on first use.
    private func slot(for key: String) -> Int {
        if lastSlot >= 0 && key == lastKey { return lastSlot }
        let s: Int
        if let found = slotByKey[key] {
            s = found
        } else {
            s = idle.count
            idle.append([])
            slotByKey[key] = s
        }
        lastKey = key
        lastSlot = s
        return s
    }

    private func markBusy(_ c: HTTP1UpstreamConnection) {
        c.busyIndex = busy.count
        busy.append(c)
    }

    private func unmarkBusy(_ c: HTTP1UpstreamConnection) {
        let i = c.busyIndex
        guard i >= 0, i < busy.count, busy[i] === c else { return }
        c.busyIndex = -1
        let last = busy.removeLast()
        if last !== c {
            busy[i] = last
            last.busyIndex = i
        }
    }

    /// An HTTP/1.1 connection finished its exchange cleanly and can be reused.
    func release(_ c: HTTP1UpstreamConnection) {
        unmarkBusy(c)
        idle[slot(for: c.target.poolKey)].append(c)
    }

    /// A connection closed: drop every reference to it.
    func forget(_ c: HTTP1UpstreamConnection) {
        unmarkBusy(c)
        let s = slot(for: c.target.poolKey)
        if let i = idle[s].firstIndex(where: { $0 === c }) { idle[s].remove(at: i) }
    }

    func forget(_ c: HTTP2UpstreamConnection) {
        if http2[c.target.poolKey] === c { http2[c.target.poolKey] = nil }
    }

    /// ALPN chose h2 on a connection opened for HTTP/1.1: move its exchange to an HTTP/2
    /// connection built on the same socket, and remember that the target speaks HTTP/2.
    func promoteToHTTP2(_ c: HTTP1UpstreamConnection) {
        unmarkBusy(c)
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
        let lists = idle
        for i in idle.indices { idle[i].removeAll() }
        for list in lists { for c in list { c.close() } }
    }
}

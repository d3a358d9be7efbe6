import Synchronization
import TollgateTransport

/// Server TLS contexts with leaf certificates minted on demand, one per intercepted host,
/// reused until an hour before they expire. Bounded (least recently used goes first) and
/// thread-safe; refuses any host not configured for interception, so a certificate for
/// another name is never minted whatever the caller asks.
final class LeafCertificateCache: Sendable {
    struct Entry {
        var context: TLSContext
        var renewAt: Int64
        var lastUse: UInt64
    }

    let authority: CertificateAuthority
    let hosts: Set<String>
    let validitySeconds: Int64
    let capacity: Int
    private let onMint: @Sendable () -> Void
    private let state = Mutex<(entries: [String: Entry], tick: UInt64, retired: [TLSContext])>(([:], 0, []))
    /// Replaced and evicted contexts stay alive a while: a handshake started with one still
    /// uses it (OpenSSL calls its ALPN callback with the context as argument).
    static let retiredKept = 256

    init(authority: CertificateAuthority, hosts: Set<String>, validitySeconds: Int64, capacity: Int = 256,
         onMint: @escaping @Sendable () -> Void = {}) {
        self.authority = authority
        self.hosts = hosts
        self.validitySeconds = validitySeconds
        self.capacity = max(1, capacity)
        self.onMint = onMint
    }

    /// The context for `host` at wall time `now` (Unix seconds), minting when needed.
    func context(for host: String, now: Int64) throws(TransportError) -> TLSContext {
        let h = EgressHostPattern.normalize(host)
        guard hosts.contains(h) else { throw TransportError(.tls, "\(h) is not configured for interception") }
        let result: Result<TLSContext, TransportError> = state.withLock { s in
            s.tick &+= 1
            if var e = s.entries[h], now < e.renewAt {
                e.lastUse = s.tick
                s.entries[h] = e
                return .success(e.context)
            }
            do throws(TransportError) {
                let (cert, key) = try authority.mintLeaf(host: h, now: now, validitySeconds: validitySeconds)
                let ctx = try TLSContext.server(certificate: cert, key: key, chain: [authority.certificate])
                onMint()
                if let old = s.entries[h] { s.retired.append(old.context) }
                if s.entries[h] == nil && s.entries.count >= capacity,
                   let oldest = s.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                    s.retired.append(s.entries[oldest]!.context)
                    s.entries[oldest] = nil
                }
                if s.retired.count > Self.retiredKept { s.retired.removeFirst(s.retired.count - Self.retiredKept) }
                s.entries[h] = Entry(context: ctx, renewAt: now + max(60, validitySeconds - 3600), lastUse: s.tick)
                return .success(ctx)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let ctx):
            return ctx
        case .failure(let e):
            throw e
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}

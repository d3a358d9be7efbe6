import Synchronization

/// Per-host egress counters: proxy requests by mode and outcome, opaque tunnel bytes by
/// direction, certificates minted. Hosts are bounded (the rest count as "_other") so a client
/// cannot grow the label set without limit. Updated under one mutex: egress events are per
/// connection or per read, not per byte.
final class EgressMetrics: Sendable {
    static let maxHosts = 1000

    struct HostCounters {
        var tunnels: UInt64 = 0
        var intercepts: UInt64 = 0
        var forwards: UInt64 = 0
        var denied: UInt64 = 0
        var bytesUp: UInt64 = 0
        var bytesDown: UInt64 = 0
    }

    enum Event { case tunnel, intercept, forward, denied }

    private let hosts = Mutex<[String: HostCounters]>([:])
    private let minted = Atomic<UInt64>(0)

    func record(_ event: Event, host: String) {
        update(host) { c in
            switch event {
            case .tunnel: c.tunnels += 1
            case .intercept: c.intercepts += 1
            case .forward: c.forwards += 1
            case .denied: c.denied += 1
            }
        }
    }

    /// Opaque tunnel bytes: `up` from the client to the host, `down` back.
    func tunnelBytes(host: String, up: Int, down: Int) {
        update(host) { c in
            c.bytesUp &+= UInt64(up)
            c.bytesDown &+= UInt64(down)
        }
    }

    func certificateMinted() { minted.add(1, ordering: .relaxed) }

    private func update(_ host: String, _ body: (inout HostCounters) -> Void) {
        hosts.withLock { table in
            let key = table[host] != nil || table.count < Self.maxHosts ? host : "_other"
            body(&table[key, default: HostCounters()])
        }
    }

    func render() -> String {
        let snapshot = hosts.withLock { $0 }.sorted { $0.key < $1.key }
        var out = "# HELP tollgate_egress_requests_total Egress proxy requests by host, mode (tunnel, intercept, forward) and outcome.\n"
        out += "# TYPE tollgate_egress_requests_total counter\n"
        for (host, c) in snapshot {
            let h = UsageMetrics.label(host)
            for (mode, n) in [("tunnel", c.tunnels), ("intercept", c.intercepts), ("forward", c.forwards)] where n > 0 {
                out += "tollgate_egress_requests_total{host=\(h),mode=\"\(mode)\",outcome=\"allowed\"} \(n)\n"
            }
            if c.denied > 0 { out += "tollgate_egress_requests_total{host=\(h),mode=\"any\",outcome=\"denied\"} \(c.denied)\n" }
        }
        out += "# HELP tollgate_egress_tunnel_bytes_total Bytes through opaque CONNECT tunnels by host and direction.\n"
        out += "# TYPE tollgate_egress_tunnel_bytes_total counter\n"
        for (host, c) in snapshot where c.tunnels > 0 {
            let h = UsageMetrics.label(host)
            out += "tollgate_egress_tunnel_bytes_total{host=\(h),direction=\"upstream\"} \(c.bytesUp)\n"
            out += "tollgate_egress_tunnel_bytes_total{host=\(h),direction=\"downstream\"} \(c.bytesDown)\n"
        }
        out += "# HELP tollgate_egress_certificates_minted_total Leaf certificates minted for intercepted hosts.\n"
        out += "# TYPE tollgate_egress_certificates_minted_total counter\n"
        out += "tollgate_egress_certificates_minted_total \(minted.load(ordering: .relaxed))\n"
        return out
    }
}

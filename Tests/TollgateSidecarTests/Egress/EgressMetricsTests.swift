import Testing
import TollgateTransport
@testable import TollgateSidecar

struct EgressMetricsTests {
    /// Requests, denials and tunnel bytes render as Prometheus lines per host.
    @Test func renders() {
        let m = EgressMetrics()
        m.record(.tunnel, host: "git.test")
        m.tunnelBytes(host: "git.test", up: 10, down: 0)
        m.tunnelBytes(host: "git.test", up: 5, down: 700)
        m.record(.intercept, host: "api.openai.com")
        m.record(.denied, host: "evil.test")
        m.certificateMinted()
        let text = m.render()
        #expect(text.contains("tollgate_egress_requests_total{host=\"git.test\",mode=\"tunnel\",outcome=\"allowed\"} 1\n"))
        #expect(text.contains("tollgate_egress_tunnel_bytes_total{host=\"git.test\",direction=\"upstream\"} 15\n"))
        #expect(text.contains("tollgate_egress_tunnel_bytes_total{host=\"git.test\",direction=\"downstream\"} 700\n"))
        #expect(text.contains("tollgate_egress_requests_total{host=\"api.openai.com\",mode=\"intercept\",outcome=\"allowed\"} 1\n"))
        #expect(text.contains("tollgate_egress_requests_total{host=\"evil.test\",mode=\"any\",outcome=\"denied\"} 1\n"))
        #expect(text.contains("tollgate_egress_certificates_minted_total 1\n"))
        #expect(!text.contains("tollgate_egress_tunnel_bytes_total{host=\"api.openai.com\""))
    }

    /// Past the host bound, new hosts count under "_other"; known hosts keep their own line.
    @Test func boundedHosts() {
        let m = EgressMetrics()
        for i in 0..<EgressMetrics.maxHosts { m.record(.forward, host: "h\(i).test") }
        m.record(.forward, host: "new.test")
        m.record(.forward, host: "h0.test")
        let text = m.render()
        #expect(text.contains("{host=\"_other\",mode=\"forward\",outcome=\"allowed\"} 1\n"))
        #expect(text.contains("{host=\"h0.test\",mode=\"forward\",outcome=\"allowed\"} 2\n"))
        #expect(!text.contains("new.test"))
    }
}

import Testing
import TollgateConfig
import TollgateHTTP
@testable import TollgateSidecar

struct EgressPolicyTests {
    func head(_ method: String, _ target: String, _ fields: [(String, String)] = []) -> HTTPRequestHead {
        var h = HTTPHeaders()
        h.add("host", "x")
        for (n, v) in fields { h.add(n, v) }
        return HTTPRequestHead(method: method, target: target, headers: h)
    }

    func policy(strict: Bool = false, allow: [String] = [], ca: Bool = true, auth: String? = nil) throws -> EgressPolicy {
        var s = EgressSettings()
        s.enabled = true
        s.strict = strict
        s.allow = try allow.map { try EgressHostPattern($0) }
        if ca { (s.caCertFile, s.caKeyFile) = ("ca.pem", "ca.key") }
        s.proxyAuth = auth.map(Secret.init)
        return EgressPolicy(settings: s)
    }

    /// CONNECT to a provider host is intercepted when a CA is configured, tunnelled when not;
    /// other hosts are tunnelled.
    @Test func connectModes() throws {
        #expect(try policy().decide(head("CONNECT", "api.openai.com:443"), originFormAllowed: true) == .intercept(host: "api.openai.com", port: 443))
        #expect(try policy(ca: false).decide(head("CONNECT", "api.openai.com:443"), originFormAllowed: true) == .tunnel(host: "api.openai.com", port: 443))
        #expect(try policy().decide(head("CONNECT", "GitHub.com:443"), originFormAllowed: true) == .tunnel(host: "github.com", port: 443))
    }

    /// Strict mode refuses hosts neither allowed nor intercepted with 403 naming the host.
    @Test func strictRefuses() throws {
        let p = try policy(strict: true, allow: ["*.corp.test"])
        guard case .refuse(let e) = p.decide(head("CONNECT", "evil.test:443"), originFormAllowed: true) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(e.status == 403 && e.message.contains("evil.test"))
        #expect(p.decide(head("CONNECT", "git.corp.test:22"), originFormAllowed: true) == .tunnel(host: "git.corp.test", port: 22))
        #expect(p.decide(head("CONNECT", "api.anthropic.com:443"), originFormAllowed: true) == .intercept(host: "api.anthropic.com", port: 443))
        if case .refuse(let e2) = p.decide(head("GET", "http://evil.test/x"), originFormAllowed: true) { #expect(e2.status == 403) } else { Issue.record("expected 403") }
    }

    /// Absolute-form http requests become origin-form to the named host, without proxy fields.
    @Test func absoluteForm() throws {
        let d = try policy().decide(head("GET", "http://Example.test:8080/a/b?q=1", [("proxy-authorization", "Basic x"), ("proxy-connection", "keep-alive")]),
                                    originFormAllowed: true)
        guard case .forward(let target, let out) = d else {
            Issue.record("expected forward, got \(d)")
            return
        }
        #expect(target == UpstreamTarget(scheme: "http", host: "example.test", port: 8080))
        #expect(out.target == "/a/b?q=1")
        #expect(out.headers["proxy-authorization"] == nil && out.headers["proxy-connection"] == nil)
        if case .forward(_, let root) = try policy().decide(head("GET", "http://h.test?x"), originFormAllowed: true) {
            #expect(root.target == "/?x")
        } else {
            Issue.record("expected forward")
        }
        if case .refuse(let e) = try policy().decide(head("GET", "ftp://h.test/"), originFormAllowed: true) { #expect(e.status == 400) } else { Issue.record("expected 400") }
    }

    /// Origin-form passes on the shared port and is refused on a dedicated proxy port.
    @Test func originForm() throws {
        #expect(try policy().decide(head("POST", "/v1/chat/completions"), originFormAllowed: true) == .origin)
        if case .refuse(let e) = try policy().decide(head("GET", "/"), originFormAllowed: false) { #expect(e.status == 400) } else { Issue.record("expected 400") }
    }

    /// With proxy auth configured, missing or wrong credentials get 407 with Proxy-Authenticate.
    @Test func proxyAuth() throws {
        let p = try policy(auth: "agent:s3cret")
        for fields in [[], [("proxy-authorization", "Basic YWdlbnQ6d3Jvbmc=")], [("proxy-authorization", "Bearer YWdlbnQ6czNjcmV0")]] {
            guard case .refuse(let e) = p.decide(head("CONNECT", "a.test:443", fields), originFormAllowed: true) else {
                Issue.record("expected 407 for \(fields)")
                continue
            }
            #expect(e.status == 407 && e.extraHeaders["proxy-authenticate"] == "Basic realm=\"tollgate\"")
        }
        #expect(p.decide(head("CONNECT", "a.test:443", [("proxy-authorization", "basic YWdlbnQ6czNjcmV0")]), originFormAllowed: true)
            == .tunnel(host: "a.test", port: 443))
    }

    /// Authority parsing: ports required for CONNECT, IPv6 brackets, junk refused.
    @Test func authorities() {
        #expect(EgressPolicy.splitAuthority("h.test:443", defaultPort: nil)! == ("h.test", 443))
        #expect(EgressPolicy.splitAuthority("[::1]:8443", defaultPort: nil)! == ("::1", 8443))
        #expect(EgressPolicy.splitAuthority("h.test", defaultPort: 80)! == ("h.test", 80))
        #expect(EgressPolicy.splitAuthority("h.test", defaultPort: nil) == nil)
        #expect(EgressPolicy.splitAuthority("h.test:0", defaultPort: nil) == nil)
        #expect(EgressPolicy.splitAuthority("a b:443", defaultPort: nil) == nil)
    }

    /// Base64 of the credentials, as clients send them.
    @Test func base64() {
        #expect(EgressProxyAuth.base64(Array("agent:s3cret".utf8)) == "YWdlbnQ6czNjcmV0")
        #expect(EgressProxyAuth.base64(Array("a".utf8)) == "YQ==" && EgressProxyAuth.base64(Array("ab".utf8)) == "YWI=")
    }
}

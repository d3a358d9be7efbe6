import TollgateHTTP

/// The egress check every HTTP/1.1 request head on a proxy port passes before it becomes an
/// exchange: the policy's decision, counted per host, turned into what the connection does.
enum EgressGate {
    enum Step {
        /// Run an exchange, to `route` when set (else the configured upstream), with `head`.
        case proceed(route: UpstreamTarget?, head: HTTPRequestHead)
        case refuse(ProxyError)
        /// Hand the connection to an `EgressConnectHandler`.
        case connect(host: String, port: UInt16, intercept: Bool)
    }

    static func admit(_ head: HTTPRequestHead, role: EgressRole, context: LoopContext) -> Step {
        switch role {
        case .none:
            return .proceed(route: nil, head: head)
        case .intercepted(let target):
            return .proceed(route: target, head: head)
        case .proxy(let originFormAllowed):
            guard let egress = context.services.egress else { return .proceed(route: nil, head: head) }
            switch egress.policy.decide(head, originFormAllowed: originFormAllowed) {
            case .origin:
                return .proceed(route: nil, head: head)
            case .forward(let target, let out):
                egress.metrics.record(.forward, host: target.host)
                return .proceed(route: target, head: out)
            case .tunnel(let host, let port):
                return .connect(host: host, port: port, intercept: false)
            case .intercept(let host, let port):
                return .connect(host: host, port: port, intercept: egress.certificates != nil)
            case .refuse(let error):
                if error.status == 403, let (host, _) = EgressPolicy.splitAuthority(hostOf(head), defaultPort: 80) {
                    egress.metrics.record(.denied, host: host)
                    Log.info("egress: refused \(head.method) to \(host) (not allowed)")
                }
                return .refuse(error)
            }
        }
    }

    /// The authority a proxy request names: the CONNECT target or the absolute URL's host.
    private static func hostOf(_ head: HTTPRequestHead) -> String {
        if head.method == "CONNECT" { return head.target }
        let rest = head.target.drop { $0 != "/" }.dropFirst(2)
        return String(rest.prefix { $0 != "/" && $0 != "?" })
    }
}

/// What a downstream connection is to the egress proxy.
enum EgressRole {
    /// Plain sidecar traffic only (egress off for this listener).
    case none
    /// A proxy port: CONNECT and absolute-form requests; origin-form too when it is the
    /// sidecar's own port.
    case proxy(originFormAllowed: Bool)
    /// Decrypted traffic of an intercepted CONNECT: every request goes to this host.
    case intercepted(UpstreamTarget)

    /// The fixed upstream of intercepted connections.
    var route: UpstreamTarget? {
        if case .intercepted(let t) = self { return t }
        return nil
    }
}

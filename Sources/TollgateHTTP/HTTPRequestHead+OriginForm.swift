extension HTTPRequestHead {
    /// Rewrites an absolute-form target (`http://host/path?query`, RFC 9112 3.2.2) to the
    /// origin-form a server would have been sent (`/path?query`; `/` when the URL has no
    /// path). Every other form is left alone. A reverse proxy must accept absolute-form but
    /// should not pass it on: HTTP/2 upstreams take only origin-form in `:path`, and policy that
    /// looks at the path would see a different string for the same resource.
    public mutating func useOriginForm() {
        guard let first = target.utf8.first, first != UInt8(ascii: "/"), method != "CONNECT", target != "*" else { return }
        // After "scheme:" comes "//authority", then the path or the query (no Foundation here).
        let u = Array(target.utf8)
        guard let colon = u.firstIndex(of: UInt8(ascii: ":")), colon + 2 < u.count,
              u[colon + 1] == UInt8(ascii: "/"), u[colon + 2] == UInt8(ascii: "/")
        else { return }
        guard let start = u[(colon + 3)...].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) else {
            target = "/"
            return
        }
        let tail = String(decoding: u[start...], as: UTF8.self)
        target = u[start] == UInt8(ascii: "?") ? "/" + tail : tail
    }
}

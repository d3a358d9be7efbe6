/// One entry of the egress allowlist: an exact host ("api.openai.com"), a wildcard for every
/// subdomain ("*.example.com": a.example.com and a.b.example.com, not example.com itself), or
/// "*" for every host. Matching ignores case and a trailing dot.
public struct EgressHostPattern: Sendable, Equatable, CustomStringConvertible {
    /// Lowercased, without a trailing dot; for wildcards the suffix including its leading dot.
    public let text: String
    private let suffix: String?
    private let any: Bool

    public init(_ pattern: String) throws(ConfigError) {
        var p = pattern.lowercased()
        if p.hasSuffix(".") { p.removeLast() }
        if pattern == "*" {
            text = p
            suffix = nil
            any = true
            return
        }
        var body = p
        if p.hasPrefix("*.") { body = String(p.dropFirst(2)) }
        guard EgressHostPattern.isHostName(body) else {
            throw ConfigError("egress host pattern '\(pattern)' must be a host name, '*.' followed by one, or '*'")
        }
        text = p
        suffix = p.hasPrefix("*.") ? String(p.dropFirst(1)) : nil
        any = false
    }

    public func matches(_ host: String) -> Bool {
        if any { return true }
        let h = EgressHostPattern.normalize(host)
        if let suffix { return h.utf8.count > suffix.utf8.count && h.hasSuffix(suffix) }
        return h == text
    }

    public var description: String { text }

    /// Lowercase, no trailing dot: the form hosts are compared, counted and minted in.
    public static func normalize(_ host: String) -> String {
        var h = host.lowercased()
        if h.hasSuffix(".") { h.removeLast() }
        return h
    }

    /// Letters, digits, '-', '_' and '.', non-empty labels, at most 253 bytes; or an IP literal
    /// without brackets.
    public static func isHostName(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        var labelLength = 0
        for c in s.utf8 {
            if c == 0x2E {
                guard labelLength > 0 else { return false }
                labelLength = 0
                continue
            }
            let ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x3A
            guard ok else { return false }
            labelLength += 1
            if labelLength > 63 { return false }
        }
        return labelLength > 0
    }
}

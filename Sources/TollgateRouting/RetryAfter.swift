/// Reads how long a provider asked us to wait: `retry-after-ms` (OpenAI), `Retry-After` as
/// delta-seconds, or `Retry-After` as an IMF-fixdate (RFC 9110 section 10.2.3).
public enum RetryAfter {
    /// Nanoseconds to wait, or nil when no usable hint is present. `nowUnixSeconds` is needed
    /// only for the date form.
    public static func nanos(retryAfter: String?, retryAfterMillis: String?, nowUnixSeconds: Int64) -> UInt64? {
        if let ms = retryAfterMillis.flatMap({ Double($0.trimmingSpaces()) }), ms.isFinite, ms >= 0 {
            return UInt64(min(ms, 86_400_000) * 1_000_000)
        }
        guard let v = retryAfter?.trimmingSpaces(), !v.isEmpty else { return nil }
        if let s = Double(v), s.isFinite, s >= 0 {
            return UInt64(min(s, 86_400) * 1_000_000_000)
        }
        guard let at = HTTPDate.unixSeconds(v) else { return nil }
        return at <= nowUnixSeconds ? 0 : UInt64(min(at - nowUnixSeconds, 86_400)) * 1_000_000_000
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// The HTTP/2 client connection preface (RFC 9113 section 3.4), and telling it from an
/// HTTP/1.1 request line on a port that serves both (h2c with prior knowledge beside HTTP/1.1).
public enum HTTP2Preface {
    public static let bytes: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// What the first bytes of a plaintext connection say.
    public enum Verdict: Sendable, Equatable {
        /// A prefix of the preface so far: read more.
        case needMore
        case http2
        case http1
    }

    /// HTTP/2 once the whole preface is seen; HTTP/1.1 as soon as a byte differs from it.
    public static func classify(_ seen: some Collection<UInt8>) -> Verdict {
        var i = 0
        for b in seen {
            guard i < bytes.count else { break }
            if b != bytes[i] { return .http1 }
            i += 1
        }
        return i >= bytes.count ? .http2 : .needMore
    }
}

/// Writes HTTP/1.1 heads and chunked framing into a byte array. The caller guarantees the
/// fields are valid (names are tokens, values have no CR, LF or NUL): this is the hot output path
/// and does not re-check what the parsers or HTTP/2 already validated.
public enum HTTP1Serializer {
    /// "METHOD target HTTP/1.1\r\n" + fields + "\r\n".
    public static func appendRequestHead(_ head: HTTPRequestHead, to out: inout [UInt8]) {
        out.append(contentsOf: head.method.utf8)
        out.append(0x20)
        out.append(contentsOf: head.target.utf8)
        out.append(0x20)
        appendVersion(head.version, to: &out)
        out.append(0x0D); out.append(0x0A)
        appendFields(head.headers, to: &out)
        out.append(0x0D); out.append(0x0A)
    }

    /// "HTTP/1.1 status reason\r\n" + fields + "\r\n" (the SP before an empty reason is kept, as RFC 9112 requires).
    public static func appendResponseHead(_ head: HTTPResponseHead, to out: inout [UInt8]) {
        appendVersion(head.version, to: &out)
        out.append(0x20)
        let s = min(max(head.status, 0), 999)
        out.append(UInt8(0x30 + s / 100)); out.append(UInt8(0x30 + s / 10 % 10)); out.append(UInt8(0x30 + s % 10))
        out.append(0x20)
        out.append(contentsOf: head.reason.utf8)
        out.append(0x0D); out.append(0x0A)
        appendFields(head.headers, to: &out)
        out.append(0x0D); out.append(0x0A)
    }

    /// Hex size CRLF data CRLF; empty input appends nothing (an empty chunk would end the body).
    public static func appendChunk(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        appendHex(bytes.count, to: &out)
        out.append(0x0D); out.append(0x0A)
        out.append(contentsOf: bytes)
        out.append(0x0D); out.append(0x0A)
    }

    /// "0\r\n" [trailers] "\r\n".
    public static func appendLastChunk(trailers: HTTPHeaders?, to out: inout [UInt8]) {
        out.append(0x30); out.append(0x0D); out.append(0x0A)
        if let trailers { appendFields(trailers, to: &out) }
        out.append(0x0D); out.append(0x0A)
    }

    /// Every field as "name: value\r\n".
    public static func appendFields(_ headers: HTTPHeaders, to out: inout [UInt8]) {
        for f in headers.fields {
            out.append(contentsOf: f.name.utf8)
            out.append(0x3A); out.append(0x20)
            out.append(contentsOf: f.value.utf8)
            out.append(0x0D); out.append(0x0A)
        }
    }

    static func appendVersion(_ v: HTTPVersion, to out: inout [UInt8]) {
        // HTTP/1 wire versions are single digits; anything else (e.g. an HTTP/2 head) goes out as 1.1.
        let (major, minor) = (v.major == 1 && (0...9).contains(v.minor)) ? (1, v.minor) : (1, 1)
        out.append(contentsOf: [0x48, 0x54, 0x54, 0x50, 0x2F, UInt8(0x30 + major), 0x2E, UInt8(0x30 + minor)])
    }

    static func appendHex(_ n: Int, to out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        var shift = (Int.bitWidth - n.leadingZeroBitCount + 3) / 4 * 4 - 4
        if shift < 0 { shift = 0 }
        while shift >= 0 {
            out.append(digits.utf8Start[(n >> shift) & 0xF])
            shift -= 4
        }
    }
}

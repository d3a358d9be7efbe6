/// Writes HTTP/1.1 heads and chunked framing into a byte array. The caller guarantees the
/// fields are valid (names are tokens, values have no CR, LF or NUL): this is the hot output path
/// and does not re-check what the parsers or HTTP/2 already validated.
public enum HTTP1Serializer {
    /// "METHOD target HTTP/1.1\r\n" + fields + "\r\n".
    public static func appendRequestHead(_ head: HTTPRequestHead, to out: inout [UInt8]) {
        withRequestHead(head) { out.append(contentsOf: $0) }
    }

    /// A field the serializer writes after a head's own fields, for a caller that would
    /// otherwise copy the head just to add it (the framing field a connection decides).
    public typealias ExtraField = (name: StaticString, value: StaticString)

    /// Calls `body` with the wire bytes of `head` (as `appendRequestHead` writes them), plus
    /// `extra` as the last field: the bytes go straight to a connection, with no array built.
    public static func withRequestHead(_ head: HTTPRequestHead, extra: ExtraField? = nil, _ body: (UnsafeRawBufferPointer) -> Void) {
        // The parts the closures need, taken out once: capturing `head` copied the whole head
        // (four references retained and released) per request.
        var method = head.method, target = head.target
        let headers = head.headers, version = head.version
        method.withUTF8 { m in
            target.withUTF8 { t in
                let size = m.count + 1 + t.count + 1 + 8 + 2 + headers.wireSize + extraSize(extra) + 2
                withWritten(size, body) { p in
                    var q = p
                    if m.count > 0 { q.update(from: m.baseAddress!, count: m.count); q += m.count }
                    q[0] = 0x20; q += 1
                    if t.count > 0 { q.update(from: t.baseAddress!, count: t.count); q += t.count }
                    q[0] = 0x20; q += 1
                    q += writeVersion(version, to: q)
                    q[0] = 0x0D; q[1] = 0x0A; q += 2
                    q += headers.writeWire(to: q)
                    q += writeExtra(extra, to: q)
                    q[0] = 0x0D; q[1] = 0x0A; q += 2
                    return q - p
                }
            }
        }
    }

    /// "HTTP/1.1 status reason\r\n" + fields + "\r\n" (the SP before an empty reason is kept, as RFC 9112 requires).
    public static func appendResponseHead(_ head: HTTPResponseHead, to out: inout [UInt8]) {
        withResponseHead(head) { out.append(contentsOf: $0) }
    }

    /// Calls `body` with the wire bytes of `head` as `appendResponseHead` writes them, with
    /// `version` instead of the head's when given, and `extra` then `extra2` as its last fields.
    public static func withResponseHead(_ head: HTTPResponseHead, version: HTTPVersion? = nil, extra: ExtraField? = nil,
                                        extra2: ExtraField? = nil, _ body: (UnsafeRawBufferPointer) -> Void) {
        var reason = head.reason
        let headers = head.headers, version = version ?? head.version, status = head.status
        reason.withUTF8 { r in
            let size = 8 + 1 + 3 + 1 + r.count + 2 + headers.wireSize + extraSize(extra) + extraSize(extra2) + 2
            withWritten(size, body) { p in
                var q = p
                q += writeVersion(version, to: q)
                q[0] = 0x20
                let s = min(max(status, 0), 999)
                q[1] = UInt8(0x30 + s / 100); q[2] = UInt8(0x30 + s / 10 % 10); q[3] = UInt8(0x30 + s % 10)
                q[4] = 0x20
                q += 5
                if r.count > 0 { q.update(from: r.baseAddress!, count: r.count); q += r.count }
                q[0] = 0x0D; q[1] = 0x0A; q += 2
                q += headers.writeWire(to: q)
                q += writeExtra(extra, to: q)
                q += writeExtra(extra2, to: q)
                q[0] = 0x0D; q[1] = 0x0A; q += 2
                return q - p
            }
        }
    }

    @inline(__always)
    static func extraSize(_ f: ExtraField?) -> Int {
        guard let f else { return 0 }
        return f.name.utf8CodeUnitCount + f.value.utf8CodeUnitCount + 4
    }

    /// "name: value\r\n" for `f`, if any; returns the bytes written.
    @inline(__always)
    static func writeExtra(_ f: ExtraField?, to p: UnsafeMutablePointer<UInt8>) -> Int {
        guard let f else { return 0 }
        var q = p
        let nc = f.name.utf8CodeUnitCount, vc = f.value.utf8CodeUnitCount
        q.update(from: f.name.utf8Start, count: nc); q += nc
        q[0] = 0x3A; q[1] = 0x20; q += 2
        q.update(from: f.value.utf8Start, count: vc); q += vc
        q[0] = 0x0D; q[1] = 0x0A; q += 2
        return q - p
    }

    /// Calls `body` with at most `size` bytes that `write` put in scratch memory (on the
    /// stack for head-sized sizes).
    static func withWritten(_ size: Int, _ body: (UnsafeRawBufferPointer) -> Void, _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { buf in
            let n = write(buf.baseAddress!)
            body(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buf[..<n])))
        }
    }

    /// Appends at most `size` bytes that `write` puts at the pointer it gets (returning how many):
    /// one allocation per head, not one append per piece.
    static func appendWritten(_ size: Int, to out: inout [UInt8], _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        // Written into scratch (on the stack for head-sized sizes) and appended once:
        // `[UInt8](unsafeUninitializedCapacity:)` goes through an unspecialized standard-library
        // path that looks up generic metadata (~650 instructions per head, measured).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { buf in
            let n = write(buf.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[..<n]))
        }
    }

    static func writeVersion(_ v: HTTPVersion, to q: UnsafeMutablePointer<UInt8>) -> Int {
        // HTTP/1 wire versions are single digits; anything else (e.g. an HTTP/2 head) goes out as 1.1.
        let minor = (v.major == 1 && (0...9).contains(v.minor)) ? v.minor : 1
        q[0] = 0x48; q[1] = 0x54; q[2] = 0x54; q[3] = 0x50; q[4] = 0x2F; q[5] = 0x31; q[6] = 0x2E
        q[7] = UInt8(0x30 + minor)
        return 8
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
        let size = headers.wireSize
        guard size > 0 else { return }
        appendWritten(size, to: &out) { headers.writeWire(to: $0) }
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

internal import CNghttp2
import TollgateHTTP

/// A header block being prepared for an nghttp2 submit call. Names and values are packed into
/// one byte array so the `nghttp2_nv` array can point into it; nghttp2 copies the fields during
/// the submit call, so the storage only has to outlive `withNVArray`'s body.
struct HTTP2OutboundHeaders {
    private var bytes: [UInt8] = []
    private var spans: [(name: Range<Int>, value: Range<Int>)] = []

    var isEmpty: Bool { spans.isEmpty }

    /// Connection-specific fields that RFC 9113 section 8.2.2 forbids in HTTP/2. `te` is handled
    /// apart: a request may carry `te: trailers` (gRPC relies on it).
    static let connectionSpecific: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "http2-settings",
    ]

    mutating func appendPseudo(_ name: StaticString, _ value: String) {
        let n = bytes.count
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        let v = bytes.count
        bytes.append(contentsOf: value.utf8)
        spans.append((n..<v, v..<bytes.count))
    }

    /// Appends a regular field, lowercasing the name (HTTP/2 field names are lowercase).
    mutating func append(name: String, value: String) {
        let n = bytes.count
        for c in name.utf8 { bytes.append(c >= 65 && c <= 90 ? c | 0x20 : c) }
        let v = bytes.count
        bytes.append(contentsOf: value.utf8)
        spans.append((n..<v, v..<bytes.count))
    }

    /// Appends `headers` without the fields HTTP/2 forbids: connection-specific ones, those the
    /// Connection header names, and `host` (it travels as :authority). With `allowTETrailers`,
    /// `te: trailers` survives.
    mutating func appendRegular(_ headers: HTTPHeaders, allowTETrailers: Bool) {
        let nominated = Set(headers.tokens("connection"))
        for field in headers {
            let lower = field.name.lowercased()
            if lower == "host" || nominated.contains(lower) { continue }
            if lower == "te" {
                if allowTETrailers && field.value.trimmingASCIIWhitespace().asciiCaseInsensitiveEquals("trailers") {
                    append(name: "te", value: "trailers")
                }
                continue
            }
            if Self.connectionSpecific.contains(lower) || lower.hasPrefix(":") { continue }
            append(name: lower, value: field.value)
        }
    }

    /// Calls `body` with an `nghttp2_nv` array whose pointers stay valid for the call only.
    mutating func withNVArray<R>(_ body: (UnsafePointer<nghttp2_nv>?, Int) -> R) -> R {
        if spans.isEmpty { return body(nil, 0) }
        let spans = self.spans
        return bytes.withUnsafeMutableBufferPointer { buf -> R in
            let base = buf.baseAddress!
            var nva: [nghttp2_nv] = []
            nva.reserveCapacity(spans.count)
            for s in spans {
                nva.append(nghttp2_nv(
                    name: base + s.name.lowerBound,
                    value: base + s.value.lowerBound,
                    namelen: s.name.count,
                    valuelen: s.value.count,
                    flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)
                ))
            }
            return nva.withUnsafeBufferPointer { body($0.baseAddress, $0.count) }
        }
    }
}

import TollgateHTTP

/// One received header block being assembled field by field from nghttp2's on_header
/// callbacks. nghttp2's HTTP messaging checks have already validated pseudo-headers (presence,
/// order, no duplicates, none in trailers), so this only sorts them out and counts size.
struct HTTP2InboundHeaders {
    var method: String?
    var path: String?
    var scheme: String?
    var authority: String?
    var status: String?
    var headers = HTTPHeaders()
    /// Cookie crumbs, joined with "; " on delivery (RFC 9113 section 8.2.3) so that an HTTP/1.1
    /// hop sees one Cookie field.
    private var cookies: [String] = []
    /// RFC 9113 size: name + value + 32 per field.
    private(set) var size = 0

    /// Adds a field; false once the block exceeds `limit` bytes.
    mutating func add(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, limit: Int) -> Bool {
        size += name.count + value.count + 32
        guard size <= limit else { return false }
        if name.first == UInt8(ascii: ":") {
            let v = String(decoding: value, as: UTF8.self)
            switch String(decoding: name, as: UTF8.self) {
            case ":method": method = v
            case ":path": path = v
            case ":scheme": scheme = v
            case ":authority": authority = v
            case ":status": status = v
            default: break  // :protocol is refused by nghttp2 unless extended CONNECT is enabled.
            }
            return true
        }
        if name.count == 6 && name.elementsEqual("cookie".utf8) {
            cookies.append(String(decoding: value, as: UTF8.self))
        } else {
            headers.add(name: UnsafeRawBufferPointer(name), value: UnsafeRawBufferPointer(value))
        }
        return true
    }

    private func regularHeaders() -> HTTPHeaders {
        var h = headers
        if !cookies.isEmpty { h.add("cookie", cookies.joined(separator: "; ")) }
        return h
    }

    /// The request head, :authority first as "host" (replacing any Host field, which must agree).
    func requestHead() -> (head: HTTPRequestHead, scheme: String) {
        var h = regularHeaders()
        if let authority {
            let rest = h
            h = HTTPHeaders(reservingFields: rest.count + 1, bytes: rest.wireSize + authority.utf8.count + 4)
            h.add("host", authority)
            rest.forEachField { i, name, _ in
                if !asciiEqualsLowercase(name, "host") { h.add(fieldAt: i, of: rest) }
            }
        }
        // CONNECT has no :path; its target is the authority, as in HTTP/1.1's authority-form.
        let target = path ?? authority ?? ""
        let head = HTTPRequestHead(method: method ?? "", target: target, version: .http2, headers: h)
        return (head, scheme ?? "")
    }

    /// The response head, or nil when the block had no valid :status.
    func responseHead() -> HTTPResponseHead? {
        guard let status, let code = Int(status) else { return nil }
        return HTTPResponseHead(status: code, version: .http2, headers: regularHeaders())
    }

    /// The block as trailers.
    func trailers() -> HTTPHeaders { regularHeaders() }
}

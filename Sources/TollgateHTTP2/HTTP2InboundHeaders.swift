import TollgateHTTP

/// One received header block being assembled field by field from nghttp2's on_header
/// callbacks. nghttp2's HTTP messaging checks have already validated pseudo-headers (presence,
/// order: all before the regular fields, no duplicates, none in trailers), so this only sorts
/// them out and counts size.
struct HTTP2InboundHeaders {
    var method: String?
    var path: String?
    var scheme: String?
    var authority: String?
    var status: String?
    /// Regular fields; on a request `host` (from :authority) is the first of them.
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
            addPseudo(name: name, value: value)
            return true
        }
        if headers.count == 0 {
            // The first regular field: one allocation for the usual block.
            headers = HTTPHeaders(reservingFields: 16, bytes: 512 + (authority?.utf8.count ?? 0))
            if let authority { headers.add("host", authority) }
        }
        if name.count == 6 && name.elementsEqual("cookie".utf8) {
            cookies.append(String(decoding: value, as: UTF8.self))
        } else if authority != nil && name.count == 4 && asciiEqualsLowercase(name, "host") {
            // :authority wins (the two must agree); it is already the first field.
        } else {
            headers.add(name: UnsafeRawBufferPointer(name), value: UnsafeRawBufferPointer(value))
        }
        return true
    }

    /// Pseudo-header names are matched as bytes, so no String is made for them.
    private mutating func addPseudo(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        switch name.count {
        case 5 where name[1] == UInt8(ascii: "p"):  // :path
            path = String(decoding: value, as: UTF8.self)
        case 7 where name[1] == UInt8(ascii: "m"):  // :method
            method = Self.method(value)
        case 7 where name[1] == UInt8(ascii: "s") && name[2] == UInt8(ascii: "c"):  // :scheme
            scheme = value.count == 5 && value.elementsEqual("https".utf8) ? "https"
                : value.count == 4 && value.elementsEqual("http".utf8) ? "http" : String(decoding: value, as: UTF8.self)
        case 7 where name[1] == UInt8(ascii: "s"):  // :status
            status = String(decoding: value, as: UTF8.self)
        case 10 where name[1] == UInt8(ascii: "a"):  // :authority
            // Becomes the first regular field ("host") when the regular fields start.
            authority = String(decoding: value, as: UTF8.self)
        default:
            break  // :protocol is refused by nghttp2 unless extended CONNECT is enabled.
        }
    }

    /// The common methods as literals (no decoding); others decoded.
    private static func method(_ v: UnsafeBufferPointer<UInt8>) -> String {
        switch v.count {
        case 3 where v.elementsEqual("GET".utf8): return "GET"
        case 4 where v.elementsEqual("POST".utf8): return "POST"
        default: return String(decoding: v, as: UTF8.self)
        }
    }

    private func regularHeaders() -> HTTPHeaders {
        var h = headers
        if !cookies.isEmpty { h.add("cookie", cookies.joined(separator: "; ")) }
        return h
    }

    /// The request head, :authority first as "host" (replacing any Host field, which must agree).
    func requestHead() -> (head: HTTPRequestHead, scheme: String) {
        var h = regularHeaders()
        if let authority, h.count == 0 { h.add("host", authority) }
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

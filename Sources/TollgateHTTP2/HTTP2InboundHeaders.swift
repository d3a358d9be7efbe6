import Glibc
import TollgateHTTP

/// One received header block being assembled field by field from nghttp2's on_header
/// callbacks. nghttp2's HTTP messaging checks have already validated pseudo-headers (presence,
/// order: all before the regular fields, no duplicates, none in trailers), so this only sorts
/// them out and counts size.
struct HTTP2InboundHeaders {
    var method: String?
    var path: String?
    var scheme: String?
    var status: String?
    /// Regular fields; on a request `host` (from :authority) is the first of them.
    var headers = HTTPHeaders()
    /// :authority came, and is `headers`' first field ("host"): its bytes are copied once, with
    /// no String made unless a CONNECT needs it as the target.
    private var hasAuthority = false
    /// `headers` has its storage reserved.
    private var started = false
    /// Cookie crumbs, joined with "; " on delivery (RFC 9113 section 8.2.3) so that an HTTP/1.1
    /// hop sees one Cookie field.
    private var cookies: [String] = []
    /// RFC 9113 size: name + value + 32 per field.
    private(set) var size = 0

    /// :authority, if the block had one.
    var authority: String? { hasAuthority ? headers.value(at: 0) : nil }

    /// Adds a field; false once the block exceeds `limit` bytes.
    mutating func add(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, limit: Int) -> Bool {
        size += name.count + value.count + 32
        guard size <= limit else { return false }
        if name.first == UInt8(ascii: ":") {
            addPseudo(name: name, value: value)
            return true
        }
        if !started { start(extraBytes: 0) }
        if Self.bytes(name, equal: "cookie") {
            cookies.append(String(decoding: value, as: UTF8.self))
        } else if hasAuthority && name.count == 4 && asciiEqualsLowercase(name, "host") {
            // :authority wins (the two must agree); it is already the first field.
        } else {
            headers.add(name: UnsafeRawBufferPointer(name), value: UnsafeRawBufferPointer(value))
        }
        return true
    }

    /// One allocation for the usual block.
    private mutating func start(extraBytes: Int) {
        started = true
        headers = HTTPHeaders(reservingFields: 16, bytes: 512 + extraBytes)
    }

    /// Pseudo-header names are matched as bytes, so no String is made for them.
    private mutating func addPseudo(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        switch name.count {
        case 5 where name[1] == UInt8(ascii: "p"):  // :path
            path = String(decoding: value, as: UTF8.self)
        case 7 where name[1] == UInt8(ascii: "m"):  // :method
            method = Self.method(value)
        case 7 where name[1] == UInt8(ascii: "s") && name[2] == UInt8(ascii: "c"):  // :scheme
            scheme = Self.bytes(value, equal: "https") ? "https"
                : Self.bytes(value, equal: "http") ? "http" : String(decoding: value, as: UTF8.self)
        case 7 where name[1] == UInt8(ascii: "s"):  // :status
            status = String(decoding: value, as: UTF8.self)
        case 10 where name[1] == UInt8(ascii: "a"):  // :authority
            // The first regular field, "host". nghttp2 refuses a block with two :authority
            // fields, and pseudo-headers all come before regular fields.
            guard !hasAuthority, !started else { return }
            start(extraBytes: value.count)
            hasAuthority = true
            headers.add(name: UnsafeRawBufferPointer(start: Self.hostName.utf8Start, count: 4), value: UnsafeRawBufferPointer(value))
        default:
            break  // :protocol is refused by nghttp2 unless extended CONNECT is enabled.
        }
    }

    private static let hostName: StaticString = "host"

    /// The common methods as literals (no decoding); others decoded.
    private static func method(_ v: UnsafeBufferPointer<UInt8>) -> String {
        if bytes(v, equal: "POST") { return "POST" }
        if bytes(v, equal: "GET") { return "GET" }
        return String(decoding: v, as: UTF8.self)
    }

    /// Exact byte equality with a literal (the generic elementsEqual cost ~250 instructions).
    @inline(__always)
    private static func bytes(_ v: UnsafeBufferPointer<UInt8>, equal literal: StaticString) -> Bool {
        guard v.count == literal.utf8CodeUnitCount else { return false }
        guard let a = v.baseAddress else { return true }
        return memcmp(a, literal.utf8Start, v.count) == 0
    }

    private func regularHeaders() -> HTTPHeaders {
        var h = headers
        if !cookies.isEmpty { h.add("cookie", cookies.joined(separator: "; ")) }
        return h
    }

    /// The request head, :authority first as "host" (replacing any Host field, which must agree).
    func requestHead() -> (head: HTTPRequestHead, scheme: String) {
        let h = regularHeaders()
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

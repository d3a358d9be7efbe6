import Glibc
import TollgateHTTP

/// One received header block being assembled field by field from nghttp2's on_header
/// callbacks. The HTTP messaging checks (a server's `HTTP2RequestRules`, nghttp2's own on a
/// client) have already validated pseudo-headers (presence, order: all before the regular
/// fields, no duplicates, none in trailers), so this only sorts them out and counts size.
///
/// Regular fields are packed into one reused byte buffer with their spans (as HTTPHeaders
/// records them), and become an `HTTPHeaders` in two copies when the block is delivered: adding
/// each field to an HTTPHeaders cost two generic array appends (~250 instructions a field,
/// measured under h2load), and one append per span ~50. The session keeps one and `reset`s it
/// per block, so a block costs no allocation here.
struct HTTP2InboundHeaders {
    typealias FieldSpan = HTTPHeaders.Span

    var method: String?
    var path: String?
    var scheme: String?
    var status: String?
    /// Names and values of the regular fields; on a request `host` (from :authority) is the
    /// first of them.
    private let bytes = HTTP2HeaderBytes(capacity: 512)
    /// The first `fieldCount` entries are this block's; the rest are left from earlier blocks
    /// and overwritten (emptying the array per block went through a generic replaceSubrange,
    /// ~85 instructions).
    private var spans: [FieldSpan] = []
    private var fieldCount = 0
    /// :authority came, and is the first field ("host"): no String is made of it unless a
    /// CONNECT needs it as the target.
    private var hasAuthority = false
    /// Where the :authority value (the first field's) ends in `bytes`.
    private var authorityValueEnd = 0
    /// Cookie crumbs, joined with "; " on delivery (RFC 9113 section 8.2.3) so that an HTTP/1.1
    /// hop sees one Cookie field.
    private var cookies: [String] = []
    /// RFC 9113 size: name + value + 32 per field.
    private(set) var size = 0

    init() {
        spans.reserveCapacity(16)
    }

    /// Forgets the block, keeping the storage for the next one.
    mutating func reset() {
        method = nil
        path = nil
        scheme = nil
        status = nil
        bytes.removeAll(keepingAtMost: 16384)
        if spans.count > 256 { spans = [] }
        fieldCount = 0
        hasAuthority = false
        if !cookies.isEmpty { cookies = [] }
        size = 0
    }

    /// :authority, if the block had one.
    var authority: String? {
        guard hasAuthority, fieldCount > 0 else { return nil }
        // "host" is the first field: its value follows the four name bytes.
        return String(decoding: UnsafeBufferPointer(start: bytes.base + 4, count: authorityValueEnd - 4), as: UTF8.self)
    }

    /// Adds a field; false once the block exceeds `limit` bytes.
    mutating func add(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, limit: Int) -> Bool {
        size += name.count + value.count + 32
        guard size <= limit else { return false }
        if name.first == UInt8(ascii: ":") {
            addPseudo(name: name, value: value)
            return true
        }
        if Self.bytes(name, equal: "cookie") {
            cookies.append(String(decoding: value, as: UTF8.self))
        } else if hasAuthority && name.count == 4 && asciiEqualsLowercase(name, "host") {
            // :authority wins (the two must agree); it is already the first field.
        } else {
            addField(name: name, value: value)
        }
        return true
    }

    @inline(__always)
    private mutating func addField(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let n = UInt32(truncatingIfNeeded: bytes.count)
        bytes.append(name)
        let v = UInt32(truncatingIfNeeded: bytes.count)
        bytes.append(value)
        let span = FieldSpan(nameStart: n, nameEnd: v, valueStart: v, valueEnd: UInt32(truncatingIfNeeded: bytes.count))
        if fieldCount < spans.count { spans[fieldCount] = span } else { spans.append(span) }
        fieldCount += 1
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
            guard !hasAuthority, fieldCount == 0 else { return }
            hasAuthority = true
            addField(name: UnsafeBufferPointer(start: Self.hostName.utf8Start, count: 4), value: value)
            authorityValueEnd = bytes.count
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

    /// The regular fields as HTTPHeaders: the packed bytes and the spans, each copied once.
    private func regularHeaders() -> HTTPHeaders {
        var h = spans.withUnsafeBufferPointer { spans in
            HTTPHeaders(block: UnsafeRawBufferPointer(start: bytes.base, count: bytes.count),
                        spans: UnsafeBufferPointer(rebasing: spans[0..<fieldCount]))
        }
        if !cookies.isEmpty { h.add("cookie", cookies.joined(separator: "; ")) }
        return h
    }

    // These are mutating so that a session reads its `inbound` in place: a non-mutating call
    // on the class's stored property copied the struct (~200 instructions). The block is left
    // as it is until the next `reset` (the next block's start): resetting twice per block cost
    // ~200 instructions a request.

    /// The request head, :authority first as "host" (replacing any Host field, which must
    /// agree).
    mutating func takeRequestHead() -> (head: HTTPRequestHead, scheme: String) {
        let h = regularHeaders()
        // CONNECT has no :path; its target is the authority, as in HTTP/1.1's authority-form.
        let target = path ?? authority ?? ""
        let head = HTTPRequestHead(method: method ?? "", target: target, version: .http2, headers: h)
        return (head, scheme ?? "")
    }

    /// The response head, or nil when the block had no valid :status.
    mutating func takeResponseHead() -> HTTPResponseHead? {
        guard let status, let code = Int(status) else { return nil }
        return HTTPResponseHead(status: code, version: .http2, headers: regularHeaders())
    }

    /// The block as trailers.
    mutating func takeTrailers() -> HTTPHeaders {
        regularHeaders()
    }
}

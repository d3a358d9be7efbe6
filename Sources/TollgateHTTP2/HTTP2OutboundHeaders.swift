internal import CNghttp2
import TollgateHTTP

/// A header block being prepared for an nghttp2 submit call. Names and values are packed into
/// one byte buffer so the `nghttp2_nv` array can point into it; nghttp2 copies the fields during
/// the submit call, so the storage only has to outlive `withNVArray`'s body. The session keeps
/// one and clears it per block, so a response head costs no allocation once it has grown.
struct HTTP2OutboundHeaders {
    private let bytes = HTTP2HeaderBytes()
    private var spans: [(name: Range<Int>, value: Range<Int>)] = []

    var isEmpty: Bool { spans.isEmpty }

    /// Empties the block, keeping its storage for the next one. The bytes of blocks submitted
    /// without a copy stay until `releaseSubmitted`; the new block is written after them.
    mutating func removeAll() {
        bytes.removeAll()
        spans.removeAll(keepingCapacity: true)
    }

    /// Bytes held for blocks nghttp2 has not serialized yet, plus the block being built.
    var heldBytes: Int { bytes.count }

    /// Whether a block was submitted without a copy and nghttp2 may still read it.
    var hasUncopiedSubmissions: Bool { bytes.isPinned }

    /// nghttp2 has serialized every block submitted without a copy: their bytes may go.
    mutating func releaseSubmitted() {
        bytes.unpin()
        spans.removeAll(keepingCapacity: true)
    }

    /// `:status` with the three digits written directly (no String made).
    mutating func appendStatus(_ status: Int) {
        let n = bytes.count
        bytes.append(":status" as StaticString)
        let v = bytes.count
        if (100...999).contains(status) {
            bytes.appendThreeDigits(status)
        } else {
            bytes.append(String(status))
        }
        spans.append((n..<v, v..<bytes.count))
    }

    mutating func appendPseudo(_ name: StaticString, _ value: String) {
        let n = bytes.count
        bytes.append(name)
        let v = bytes.count
        bytes.append(value)
        spans.append((n..<v, v..<bytes.count))
    }

    /// Appends a regular field, lowercasing the name (HTTP/2 field names are lowercase).
    mutating func append(name: String, value: String) {
        let n = bytes.count
        var name = name
        name.withUTF8 { bytes.appendLowercased($0) }
        let v = bytes.count
        bytes.append(value)
        spans.append((n..<v, v..<bytes.count))
    }

    /// Appends `headers` without the fields HTTP/2 forbids: connection-specific ones, those the
    /// Connection header names, and `host` (it travels as :authority). With `allowTETrailers`,
    /// `te: trailers` survives.
    ///
    /// Heads rarely carry Connection (the proxy strips hop-by-hop fields first), so the fields
    /// are appended in one pass, and only a head that turns out to have one is done again with
    /// the fields it names left out (looking for it first cost ~70 instructions a head).
    mutating func appendRegular(_ headers: HTTPHeaders, allowTETrailers: Bool) {
        let byteMark = bytes.count
        let spanMark = spans.count
        if appendRegular(headers, allowTETrailers: allowTETrailers, nominated: []) {
            bytes.truncate(to: byteMark)
            spans.removeSubrange(spanMark...)
            _ = appendRegular(headers, allowTETrailers: allowTETrailers, nominated: headers.tokens("connection"))
        }
    }

    /// One pass of `appendRegular`; returns whether a Connection field was seen.
    private mutating func appendRegular(_ headers: HTTPHeaders, allowTETrailers: Bool, nominated: [String]) -> Bool {
        var sawConnection = false
        spans.reserveCapacity(spans.count + headers.count)
        headers.forEachField { _, name, value in
            if name.first == UInt8(ascii: ":") { return }
            if Self.isConnectionSpecific(name) {
                if name.count == 10 && asciiEqualsLowercase(name, "connection") { sawConnection = true }
                return
            }
            if name.count == 2 && asciiEqualsLowercase(name, "te") {
                if allowTETrailers && Self.isTrailersToken(value) { append(name: "te", value: "trailers") }
                return
            }
            if !nominated.isEmpty && asciiEqualsAny(name, nominated) { return }
            let n = bytes.count
            bytes.appendLowercased(name)
            let v = bytes.count
            bytes.append(value)
            spans.append((n..<v, v..<bytes.count))
        }
        return sawConnection
    }

    /// `host` and the fields RFC 9113 section 8.2.2 forbids (te is decided apart).
    static func isConnectionSpecific(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        switch name.count {
        case 4: return asciiEqualsLowercase(name, "host")
        case 7: return asciiEqualsLowercase(name, "upgrade")
        case 10: return asciiEqualsLowercase(name, "connection") || asciiEqualsLowercase(name, "keep-alive")
        case 14: return asciiEqualsLowercase(name, "http2-settings")
        case 16: return asciiEqualsLowercase(name, "proxy-connection")
        case 17: return asciiEqualsLowercase(name, "transfer-encoding")
        default: return false
        }
    }

    /// A TE value that is exactly "trailers" (surrounding whitespace allowed).
    static func isTrailersToken(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var s = 0, e = value.count
        while s < e && (value[s] == 32 || value[s] == 9) { s += 1 }
        while e > s && (value[e - 1] == 32 || value[e - 1] == 9) { e -= 1 }
        return asciiEqualsLowercase(UnsafeBufferPointer(rebasing: value[s..<e]), "trailers")
    }

    /// Calls `body` with an `nghttp2_nv` array whose pointers stay valid for the call only.
    mutating func withNVArray<R>(_ body: (UnsafePointer<nghttp2_nv>?, Int) -> R) -> R {
        withNVArray(flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue), body)
    }

    /// Calls `body` with an `nghttp2_nv` array whose names and values nghttp2 does not copy
    /// (NO_COPY_NAME | NO_COPY_VALUE): they stay where they are until `releaseSubmitted`, which
    /// the session calls once nghttp2 has serialized every queued frame. Saves nghttp2 a copy
    /// and a lowercasing pass per field (names here are lowercase already).
    mutating func withUncopiedNVArray<R>(_ body: (UnsafePointer<nghttp2_nv>?, Int) -> R) -> R {
        bytes.pin()
        return withNVArray(flags: UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue), body)
    }

    private mutating func withNVArray<R>(flags: UInt8, _ body: (UnsafePointer<nghttp2_nv>?, Int) -> R) -> R {
        if spans.isEmpty { return body(nil, 0) }
        let count = spans.count
        let base = bytes.base
        return withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: count) { nva -> R in
            spans.withUnsafeBufferPointer { spans in
                for i in 0..<count {
                    let s = spans[i]
                    (nva.baseAddress! + i).initialize(to: nghttp2_nv(
                        name: base + s.name.lowerBound,
                        value: base + s.value.lowerBound,
                        namelen: s.name.count,
                        valuelen: s.value.count,
                        flags: flags
                    ))
                }
            }
            return withExtendedLifetime(bytes) { body(UnsafePointer(nva.baseAddress), count) }
        }
    }
}

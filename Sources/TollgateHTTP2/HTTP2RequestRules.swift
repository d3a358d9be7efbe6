internal import CNghttp2
import Glibc
import TollgateHTTP

/// nghttp2's HTTP messaging checks for the requests a server session receives, done here
/// instead of by nghttp2 (`nghttp2_option_set_no_http_messaging`): nghttp2 ran them for every
/// field of every block through its own token lookup and a second pass over the bytes, ~2,300
/// instructions a request. The rules are nghttp2 1.52's (nghttp2_http.c), to the letter, and
/// `HTTP2RequestRulesTests` feeds the same frames to a session with nghttp2's checks and one
/// with these and compares what each delivers and sends:
///
/// - a field with an invalid name (uppercase included) or value fails the stream;
/// - pseudo-headers come first, once each, non-empty, only known ones, none in trailers;
///   connection-specific fields fail the stream, `te` may only be "trailers"; one
///   content-length of digits;
/// - a request has :method, :scheme, :path (starting with "/", or "*" for OPTIONS, when the
///   scheme is http or https) and :authority or host; CONNECT has :authority and neither
///   :scheme nor :path; trailers end the stream;
/// - DATA never exceeds the content-length, and the stream ends with exactly that many bytes.
///
/// The character checks use tables made from nghttp2's own `nghttp2_check_header_name` and
/// `nghttp2_check_header_value` byte by byte, and its exported :method, :path and :authority
/// checks are called as they are. A failed check is a stream error: RST_STREAM PROTOCOL_ERROR.
struct HTTP2RequestRules {
    enum Verdict { case accept, reject }

    /// nghttp2's NGHTTP2_HTTP_FLAG_* bits this needs.
    private struct Flags: OptionSet {
        let rawValue: UInt32
        static let authority = Flags(rawValue: 1 << 0)
        static let path = Flags(rawValue: 1 << 1)
        static let method = Flags(rawValue: 1 << 2)
        static let scheme = Flags(rawValue: 1 << 3)
        static let host = Flags(rawValue: 1 << 4)
        static let pseudoHeaderDisallowed = Flags(rawValue: 1 << 5)
        static let methodConnect = Flags(rawValue: 1 << 6)
        static let methodOptions = Flags(rawValue: 1 << 7)
        static let pathRegular = Flags(rawValue: 1 << 8)
        static let pathAsterisk = Flags(rawValue: 1 << 9)
        static let schemeHTTP = Flags(rawValue: 1 << 10)
        static let requestHeaders: Flags = [.method, .path, .scheme]
    }

    private var flags: Flags = []
    /// The content-length field's value; -1 when there is none (or CONNECT).
    private(set) var contentLength: Int64 = -1
    /// The content-length field's value, also on CONNECT; -1 when there is none.
    private(set) var declaredLength: Int64 = -1
    /// DATA bytes received on the stream so far.
    var receivedLength: Int64 = 0

    /// The rules for one field of a request block (`trailer`: of its trailers).
    @inline(__always)
    mutating func check(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, trailer: Bool, streamID: Int32) -> Verdict {
        let isPseudo = name.first == UInt8(ascii: ":")
        // nghttp2 1.52 resets the stream for an invalid regular field too (it would only
        // ignore it for an application with an on_invalid_header callback).
        guard Self.isValidName(name) else { return .reject }
        let token = Token(name)
        let validValue: Bool
        switch token {
        case .method: validValue = nghttp2_check_method(value.baseAddress, value.count) != 0
        case .path: validValue = nghttp2_check_path(value.baseAddress, value.count) != 0
        case .authority, .host: validValue = nghttp2_check_authority(value.baseAddress, value.count) != 0
        case .scheme: validValue = Self.isValidScheme(value)
        default: validValue = Self.isValidValue(value)
        }
        guard validValue else { return .reject }

        if isPseudo && (trailer || flags.contains(.pseudoHeaderDisallowed)) { return .reject }
        switch token {
        case .authority:
            guard claimPseudo(.authority, value) else { return .reject }
        case .method:
            guard claimPseudo(.method, value) else { return .reject }
            if Self.bytes(value, equal: "CONNECT") {
                if streamID % 2 == 0 { return .reject }
                flags.insert(.methodConnect)
            } else if Self.bytes(value, equal: "OPTIONS") {
                flags.insert(.methodOptions)
            }
        case .path:
            guard claimPseudo(.path, value) else { return .reject }
            if value[0] == UInt8(ascii: "/") {
                flags.insert(.pathRegular)
            } else if value.count == 1 && value[0] == UInt8(ascii: "*") {
                flags.insert(.pathAsterisk)
            }
        case .scheme:
            guard claimPseudo(.scheme, value) else { return .reject }
            if asciiEqualsLowercase(value, "http") || asciiEqualsLowercase(value, "https") { flags.insert(.schemeHTTP) }
        case .protocolPseudo:
            // Extended CONNECT (RFC 8441) is never enabled.
            return .reject
        case .host:
            guard claimPseudo(.host, value) else { return .reject }
        case .contentLength:
            guard contentLength == -1 else { return .reject }
            contentLength = Self.parseUInt(value)
            guard contentLength != -1 else { return .reject }
            declaredLength = contentLength
        case .connectionSpecific:
            return .reject
        case .te:
            guard asciiEqualsLowercase(value, "trailers") else { return .reject }
        case .other:
            // "priority" (RFC 9218) is parsed by nghttp2 only once the server sent
            // SETTINGS_NO_RFC7540_PRIORITIES, which this one never does.
            if isPseudo { return .reject }
        }
        if !isPseudo { flags.insert(.pseudoHeaderDisallowed) }
        return .accept
    }

    /// After a request's header block (nghttp2_http_on_request_headers, then the end-of-stream
    /// check when it carried END_STREAM). False: the request is malformed.
    mutating func requestComplete(endStream: Bool) -> Bool {
        if flags.contains(.methodConnect) {
            if !flags.isDisjoint(with: [.scheme, .path]) || !flags.contains(.authority) { return false }
            contentLength = -1
        } else {
            if !flags.isSuperset(of: .requestHeaders) || flags.isDisjoint(with: [.authority, .host]) { return false }
            // An http or https request's :path starts with "/", or is "*" for OPTIONS.
            if flags.contains(.schemeHTTP) && !flags.contains(.pathRegular)
                && !flags.isSuperset(of: [.methodOptions, .pathAsterisk]) { return false }
        }
        return !endStream || endMatchesLength
    }

    /// After a trailer block: it must end the stream, at the declared length.
    func trailersComplete(endStream: Bool) -> Bool {
        endStream && endMatchesLength
    }

    /// DATA arrived: false once it passes the declared length.
    mutating func received(_ count: Int) -> Bool {
        receivedLength += Int64(count)
        return contentLength == -1 || receivedLength <= contentLength
    }

    /// The stream ends with as many bytes as declared (or none was).
    var endMatchesLength: Bool { contentLength == -1 || contentLength == receivedLength }

    // MARK: - Fields

    /// The field names the rules treat apart (nghttp2's tokens).
    private enum Token {
        case authority, method, path, scheme, protocolPseudo, host, contentLength, connectionSpecific, te, other

        @inline(__always)
        init(_ name: UnsafeBufferPointer<UInt8>) {
            switch name.count {
            case 2: self = HTTP2RequestRules.bytes(name, equal: "te") ? .te : .other
            case 4: self = HTTP2RequestRules.bytes(name, equal: "host") ? .host : .other
            case 5: self = HTTP2RequestRules.bytes(name, equal: ":path") ? .path : .other
            case 7:
                if HTTP2RequestRules.bytes(name, equal: ":method") { self = .method }
                else if HTTP2RequestRules.bytes(name, equal: ":scheme") { self = .scheme }
                else if HTTP2RequestRules.bytes(name, equal: "upgrade") { self = .connectionSpecific }
                else { self = .other }
            case 9: self = HTTP2RequestRules.bytes(name, equal: ":protocol") ? .protocolPseudo : .other
            case 10:
                if HTTP2RequestRules.bytes(name, equal: ":authority") { self = .authority }
                else if HTTP2RequestRules.bytes(name, equal: "connection") || HTTP2RequestRules.bytes(name, equal: "keep-alive") { self = .connectionSpecific }
                else { self = .other }
            case 14: self = HTTP2RequestRules.bytes(name, equal: "content-length") ? .contentLength : .other
            case 16: self = HTTP2RequestRules.bytes(name, equal: "proxy-connection") ? .connectionSpecific : .other
            case 17: self = HTTP2RequestRules.bytes(name, equal: "transfer-encoding") ? .connectionSpecific : .other
            default: self = .other
            }
        }
    }

    /// nghttp2's check_pseudo_header: once, and not empty.
    @inline(__always)
    private mutating func claimPseudo(_ flag: Flags, _ value: UnsafeBufferPointer<UInt8>) -> Bool {
        if flags.contains(flag) || value.isEmpty { return false }
        flags.insert(flag)
        return true
    }

    /// nghttp2_check_header_name: non-empty, an optional leading ":" followed by at least one
    /// byte, every byte a lowercase token character. Names of lowercase letters and "-" (nearly
    /// all) are confirmed eight bytes at a time; anything else is looked up byte by byte.
    @inline(__always)
    static func isValidName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard var p = name.baseAddress, !name.isEmpty else { return false }
        var n = name.count
        if p.pointee == UInt8(ascii: ":") {
            guard n > 1 else { return false }
            p += 1
            n -= 1
        }
        if lettersAndDashes(UnsafeRawPointer(p), n) { return true }
        let table = tables.name
        for i in 0..<n where table[Int(p[i])] == 0 { return false }
        return true
    }

    /// Whether all `n` bytes are "a"..."z" or "-", by words (the last word overlapping).
    @inline(__always)
    private static func lettersAndDashes(_ p: UnsafeRawPointer, _ n: Int) -> Bool {
        if n < 8 { return lettersAndDashes(word: padded(p, n)) }
        var i = 0
        while i + 8 < n {
            if !lettersAndDashes(word: p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return false }
            i += 8
        }
        return lettersAndDashes(word: p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Every byte of `w` is "a"..."z" or "-". Per byte (ASCII, so no carry between bytes):
    /// b + 0x1F has bit 7 iff b >= "a", b + 0x05 iff b > "z"; z = b ^ "-" is zero iff a dash.
    @inline(__always)
    private static func lettersAndDashes(word w: UInt64) -> Bool {
        let y = w & ~highs
        let letter = (y &+ 0x1F &* ones) & ~(y &+ 0x05 &* ones)
        let z = y ^ (0x2D &* ones)
        let dash = ~((z &+ 0x7F &* ones) | z)
        return (letter | dash) & ~w & highs == highs
    }

    /// The `n` (< 8) bytes at `p` in a word, the rest "a" (valid in names and values).
    @inline(__always)
    private static func padded(_ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        var w: UInt64 = 0x61 &* ones
        withUnsafeMutableBytes(of: &w) { $0.baseAddress!.copyMemory(from: p, byteCount: n) }
        return w
    }

    /// nghttp2_check_header_value_rfc9113: no leading or trailing space or tab, every byte a
    /// field value byte. By words (the last overlapping) while no byte is below 0x20 or DEL;
    /// tab, the one control byte allowed, takes the byte path.
    @inline(__always)
    static func isValidValue(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = value.baseAddress, !value.isEmpty else { return true }
        let n = value.count
        let first = base[0], last = base[n - 1]
        if first == 32 || first == 9 || last == 32 || last == 9 { return false }
        let raw = UnsafeRawPointer(base)
        if n < 8 {
            if plainValueBytes(word: padded(raw, n)) { return true }
        } else {
            var i = 0
            var plain = true
            while i + 8 < n {
                if !plainValueBytes(word: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { plain = false; break }
                i += 8
            }
            if plain && plainValueBytes(word: raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) { return true }
        }
        let table = tables.value
        for i in 0..<n where table[Int(base[i])] == 0 { return false }
        return true
    }

    /// No byte of `w` is below 0x20 or 0x7F (bytes of 0x80 and up are allowed). Per byte:
    /// y = b & 0x7F; y + 0x60 has bit 7 iff y >= 0x20, y + 0x01 iff y == 0x7F.
    @inline(__always)
    private static func plainValueBytes(word w: UInt64) -> Bool {
        let y = w & ~highs
        let printable = (y &+ 0x60 &* ones) & ~(y &+ ones)
        return (printable | w) & highs == highs
    }

    /// nghttp2's check_scheme: a letter, then letters, digits, "+", "-" or ".".
    static func isValidScheme(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = value.first, (first | 0x20) &- 97 < 26 else { return false }
        for c in value.dropFirst() {
            let letter = (c | 0x20) &- 97 < 26
            if !(letter || c &- 48 < 10 || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")) { return false }
        }
        return true
    }

    /// nghttp2's parse_uint: digits only, no overflow; -1 otherwise.
    static func parseUInt(_ value: UnsafeBufferPointer<UInt8>) -> Int64 {
        if value.isEmpty { return -1 }
        var n: Int64 = 0
        for c in value {
            let d = c &- 48
            guard d < 10 else { return -1 }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return -1 }
            n = s
        }
        return n
    }

    @inline(__always)
    static func bytes(_ v: UnsafeBufferPointer<UInt8>, equal literal: StaticString) -> Bool {
        guard v.count == literal.utf8CodeUnitCount, let a = v.baseAddress else { return false }
        return memcmp(a, literal.utf8Start, v.count) == 0
    }

    /// nghttp2's own verdicts, for the tests that compare.
    static func libraryAcceptsName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        nghttp2_check_header_name(name.baseAddress, name.count) != 0
    }

    static func libraryAcceptsValue(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        nghttp2_check_header_value_rfc9113(value.baseAddress, value.count) != 0
    }

    private static let tables = CharacterTables()

    /// nghttp2's character tables, read from its own checks one byte at a time (so they agree
    /// by construction). Immutable once built.
    private final class CharacterTables: @unchecked Sendable {
        /// Bytes allowed in a field name (after a pseudo-header's ":").
        let name: UnsafeMutablePointer<UInt8>
        /// Bytes allowed in a field value.
        let value: UnsafeMutablePointer<UInt8>

        init() {
            name = .allocate(capacity: 256)
            value = .allocate(capacity: 256)
            for b in 0..<256 {
                var pair: (UInt8, UInt8) = (UInt8(ascii: "a"), UInt8(b))
                name[b] = withUnsafeBytes(of: &pair) { nghttp2_check_header_name($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 2) } != 0 ? 1 : 0
                var byte = UInt8(b)
                value[b] = nghttp2_check_header_value(&byte, 1) != 0 ? 1 : 0
            }
        }
    }
}

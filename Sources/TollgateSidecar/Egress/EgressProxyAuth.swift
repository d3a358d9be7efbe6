import TollgateConfig
import TollgateCrypto

/// Proxy authentication (RFC 9110 11.7): clients send `Proxy-Authorization: Basic
/// base64(user:pass)`; a missing or wrong one gets 407 with `Proxy-Authenticate`.
struct EgressProxyAuth: Sendable {
    /// The whole expected credential token (base64 of "user:pass").
    private let expected: [UInt8]

    init(credentials: Secret) {
        expected = Array(EgressProxyAuth.base64(Array(credentials.reveal().utf8)).utf8)
    }

    /// Whether the request's Proxy-Authorization carries the configured credentials.
    func accepts(_ headerValue: String?) -> Bool {
        guard let v = headerValue else { return false }
        let trimmed = v.drop { $0 == " " }
        guard trimmed.utf8.count > 6, trimmed.prefix(6).lowercased() == "basic " else { return false }
        let token = trimmed.dropFirst(6).drop { $0 == " " }
        var bytes = Array(token.utf8)
        while bytes.last == 0x20 { bytes.removeLast() }
        return Digest.constantTimeEquals(bytes, expected)
    }

    static func base64(_ input: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var i = 0
        while i < input.count {
            let b0 = UInt32(input[i])
            let b1 = i + 1 < input.count ? UInt32(input[i + 1]) : 0
            let b2 = i + 2 < input.count ? UInt32(input[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(table[Int(n >> 18 & 63)])
            out.append(table[Int(n >> 12 & 63)])
            out.append(i + 1 < input.count ? table[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < input.count ? table[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

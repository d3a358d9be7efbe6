/// Standard base64 (RFC 4648, padded), for MCP header values. Foundation stays out of the binary.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            var v: UInt32 = 0
            var pad = 0
            for j in 0..<4 {
                let c = u[i + j]
                let d: UInt32
                switch c {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): d = UInt32(c - 65)
                case UInt8(ascii: "a")...UInt8(ascii: "z"): d = UInt32(c - 97 + 26)
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48 + 52)
                case UInt8(ascii: "+"): d = 62
                case UInt8(ascii: "/"): d = 63
                case UInt8(ascii: "=") where i + 4 == u.count && j >= 2: d = 0; pad += 1
                default: return nil
                }
                if pad > 0 && c != UInt8(ascii: "=") { return nil }
                v = v << 6 | d
            }
            out.append(UInt8(v >> 16))
            if pad < 2 { out.append(UInt8(v >> 8 & 0xFF)) }
            if pad < 1 { out.append(UInt8(v & 0xFF)) }
            i += 4
        }
        return out
    }
}

extension Base64 {
    /// base64url without padding (RFC 4648 §5): safe in JSON strings, URLs and headers alike.
    static func encodeURL(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        for c in encode(bytes).utf8 {
            switch c {
            case UInt8(ascii: "+"): out.append(UInt8(ascii: "-"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "_"))
            case UInt8(ascii: "="): continue
            default: out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of an unpadded base64url text, or nil unless it is exactly what `encodeURL`
    /// writes for them (one spelling per value: a cursor cannot be varied without changing).
    static func decodeURL<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var std: [UInt8] = []
        std.reserveCapacity(text.utf8.count + 2)
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "-"): std.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): std.append(UInt8(ascii: "/"))
            case UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="): return nil
            default: std.append(c)
            }
        }
        guard std.count % 4 != 1 else { return nil }
        while std.count % 4 != 0 { std.append(UInt8(ascii: "=")) }
        guard let bytes = decode(String(decoding: std, as: UTF8.self)), encodeURL(bytes).utf8.elementsEqual(text.utf8) else { return nil }
        return bytes
    }
}

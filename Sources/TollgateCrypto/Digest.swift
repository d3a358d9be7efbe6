import COpenSSL

/// SHA-256 and HMAC-SHA256 through OpenSSL's one-shot APIs.
public enum Digest {
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let input = Array(bytes)
        input.withUnsafeBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                _ = SHA256(inp.baseAddress, inp.count, o.baseAddress)
            }
        }
        return out
    }

    public static func hmacSHA256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var outLen: UInt32 = 32
        let k = Array(key), m = Array(message)
        k.withUnsafeBufferPointer { kp in
            m.withUnsafeBufferPointer { mp in
                out.withUnsafeMutableBufferPointer { o in
                    _ = HMAC(EVP_sha256(), kp.baseAddress, Int32(kp.count), mp.baseAddress, mp.count, o.baseAddress, &outLen)
                }
            }
        }
        return out
    }

    /// Constant-time comparison, for MACs and tokens.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return s
    }
}

import Testing
import TollgateHTTP
@testable import TollgateSidecar

struct HTTP2ServerConnectionTests {
    /// The byte-level content-length reader agrees with Int64(String) on fixtures and on
    /// generated values: digits of every length up to overflow, signs, spaces, junk, empty.
    @Test func contentLengthAgreesWithStringParse() {
        var values = ["0", "1", "00", "007", "284", "9223372036854775807", "9223372036854775808",
                      "99999999999999999999", "", " 5", "5 ", "+5", "-1", "-0", "1a", "0x10", "١٢", "5\t"]
        var g = SplitMix(seed: 0x5eed)
        for _ in 0..<2000 {
            let len = Int(g.next() % 21)
            var s = ""
            for _ in 0..<len {
                let r = g.next() % 20
                s.append(r < 16 ? Character(String(r % 10)) : ["+", "-", " ", "x"][Int(r - 16)])
            }
            values.append(s)
        }
        for v in values {
            var h = HTTPHeaders()
            h.add("content-type", "application/json")
            h.add("content-length", v)
            #expect(HTTP2ServerConnection.contentLength(h) == Int64(v), "\(v)")
        }
        #expect(HTTP2ServerConnection.contentLength(HTTPHeaders()) == nil)
    }
}

/// A small deterministic generator for test inputs.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import Testing
@testable import TollgateJSON

@Suite struct JSONStringScanTests {
    /// The word-at-a-time string scan stops at a quote, backslash, control byte or non-ASCII
    /// byte at every offset, so it accepts and rejects exactly what the byte loop would.
    @Test func wordScanFindsSpecialBytesAtEveryOffset() throws {
        let specials: [(bytes: [UInt8], valid: Bool, decoded: String?)] = [
            (Array("\\\"".utf8), true, "\""), (Array("\\n".utf8), true, "\n"), ([0x01], false, nil),
            ([0x1F], false, nil), (Array("é".utf8), true, "é"), ([0xC3], false, nil), ([0xFF], false, nil),
            (Array("😀".utf8), true, "😀"), ([0x7F], true, "\u{7F}"),
        ]
        for len in 0..<20 {
            for at in 0...len {
                for s in specials {
                    var body = Array(repeating: UInt8(ascii: "a"), count: len)
                    body.insert(contentsOf: s.bytes, at: at)
                    let doc = [UInt8(ascii: "\"")] + body + [UInt8(ascii: "\"")]
                    let parsed = try? JSONValue(parsing: doc)
                    let scanned = doc.withUnsafeBytes { JSONScanner.isValid($0) }
                    #expect(scanned == s.valid)
                    #expect((parsed != nil) == s.valid, "len \(len) at \(at) \(s.bytes)")
                    if let d = s.decoded, case .string(let v)? = parsed {
                        let expected = String(repeating: "a", count: at) + d + String(repeating: "a", count: len - at)
                        #expect(v == expected)
                    }
                }
            }
        }
    }
}

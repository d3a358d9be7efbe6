import Testing
@testable import TollgateJSON

/// `JSONScanner.rootMember` (no tape) against the tape: same member, same errors.
struct JSONRootMemberTests {
    static func agree(_ bytes: [UInt8], _ key: StaticString) -> Bool {
        bytes.withUnsafeBytes { b in
            let fast = Result { () throws(JSONParseError) in try JSONScanner().rootMember(key, in: b) }
            let tape = Result { () throws(JSONParseError) -> JSONSlice? in
                let t = try JSONTape(b)
                return try t.value(forKey: key, of: 0, in: b)
            }
            switch (fast, tape) {
            case (.success(let a), .success(let b)): return a == b
            case (.failure(let a), .failure(let b)): return a == b
            default: return false
            }
        }
    }

    /// Hand-written cases: members of every kind, duplicates after syntax errors, escapes, depth.
    @Test func cases() {
        let cases = [
            #"{"a":1,"usage":{"n":[1,{"x":null}]},"b":"s"}"#, #"{"usage":[]}"#, #"{"usage":"x"}"#, #"{"usage":true}"#,
            #" { "usage" : -1.5e+3 } "#, #"{"us\u0061ge":{}}"#, #"{"usage":1,"usage":2}"#, #"{"usage":1,"usage":2,]"#,
            #"{"x":{"usage":1}}"#, #"[{"usage":1}]"#, #""usage""#, "", "{", #"{"usage""#, #"{"usage":}"#, "{}", "{} {}",
            #"{"usage":{}"#, #"{"a":[1,2}"#, #"{"a":{"b":1]}"#, #"{"a" 1}"#, #"{1:2}"#, #"{"a":1 "b":2}"#,
            String(repeating: "[", count: 129) + String(repeating: "]", count: 129),
            "{\"a\":" + String(repeating: "[", count: 127) + String(repeating: "]", count: 127) + "}",
            "{\"a\":" + String(repeating: "{\"k\":[", count: 63) + "0" + String(repeating: "]}", count: 63) + ",\"usage\":2}",
        ]
        for c in cases { #expect(Self.agree(Array(c.utf8), "usage"), "\(c)") }
    }

    /// Random byte soup, with and without a root object around it.
    @Test func randomInput() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[],:"\ 0123456789.eE+-truefalsnu"#.utf8) + [0x00, 0x1F, 0xC3, 0xA9, 0xFF]
        for i in 0..<6000 {
            let n = Int.random(in: 0..<28, using: &rng)
            var bytes = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            if i % 2 == 0 { bytes = Array(#"{"u":"#.utf8) + bytes + [0x7D] }
            #expect(Self.agree(bytes, "u"), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    /// A tape of one member's value has the same entries as that subtree of the whole tape.
    @Test func tapeOfOneValue() throws {
        let text = #"{"a":[1,{"b":null,"c":"x"}],"usage":{"p":1,"d":{"q":[2,3]}},"z":0}"#
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { (b) throws in
            let whole = try JSONTape(b)
            let u = try #require(try JSONScanner().rootMember("usage", in: b))
            let part = try JSONTape(value: u, in: b)
            let i = try #require(whole.index(of: u))
            let sub = Array(whole.entries[i..<whole[i].next])
            #expect(part.count == sub.count)
            for (j, (x, y)) in zip(part.entries, sub).enumerated() {
                #expect(x.slice == y.slice && x.next + i == y.next)
                // The value itself is the part's root: no key there.
                #expect(j == 0 ? x.key == nil : (x.keyStart == y.keyStart && x.keyEnd == y.keyEnd))
            }
        }
    }

    /// Documents with more values than the first buffer holds grow it and keep every entry.
    @Test func tapeGrows() throws {
        let text = "[" + (0..<5000).map { #"{"k\#($0)":\#($0)}"# }.joined(separator: ",") + "]" + String(repeating: " ", count: 60000)
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { (b) throws in
            let t = try JSONTape(b)
            #expect(t.count == 10001)
            #expect(t[t.count - 1].slice.int64(in: b) == 4999)
            var n = 0
            try t.forEachChild(of: 0) { _ in n += 1 }
            #expect(n == 5000)
        }
    }

    /// The non-validating member walk of a validated object gives the tape's members (keys,
    /// escapes, value kinds and ranges), over generated documents with whitespace.
    @Test func validatedMembersAgreeWithTape() throws {
        var rng = SystemRandomNumberGenerator()
        let ws = ["", " ", "\n", "\t ", "\r\n"]
        func pad() -> String { ws.randomElement(using: &rng)! }
        func scalar() -> String {
            [#""s""#, #""a\"b\\""#, #""\u00e9""#, "\"é🚀\"", "0", "-12.5e+3", "7", "true", "false", "null", #""""#].randomElement(using: &rng)!
        }
        func value(_ depth: Int) -> String {
            switch Int.random(in: 0..<(depth > 3 ? 1 : 4), using: &rng) {
            case 0: return scalar()
            case 1: return "[" + pad() + (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth + 1) }.joined(separator: pad() + "," + pad()) + pad() + "]"
            default: return object(depth + 1)
            }
        }
        func object(_ depth: Int) -> String {
            let keys = ["a", "usage", #"k\u0065y"#, "", "x y", #"q\"q"#]
            let n = Int.random(in: 0...4, using: &rng)
            return "{" + pad() + (0..<n).map { _ in "\"\(keys.randomElement(using: &rng)!)\"" + pad() + ":" + pad() + value(depth) }
                .joined(separator: pad() + "," + pad()) + pad() + "}"
        }
        for _ in 0..<2000 {
            let text = pad() + object(0) + pad()
            let bytes = Array(text.utf8)
            try bytes.withUnsafeBytes { (b) throws in
                let tape = try JSONTape(b)
                var fromTape: [(Range<Int>, Bool, JSONSlice)] = []
                try tape.forEachChild(of: 0) { c in
                    let e = tape[c]
                    fromTape.append((e.keyStart..<e.keyEnd, e.keyEscaped, e.slice))
                }
                var walked: [(Range<Int>, Bool, JSONSlice)] = []
                var m = JSONValidatedMembers(object: tape.root, in: b)
                while let x = m.next() { walked.append((x.key, x.keyEscaped, x.value)) }
                #expect(walked.count == fromTape.count, "\(text)")
                for (x, y) in zip(walked, fromTape) { #expect(x.0 == y.0 && x.1 == y.1 && x.2 == y.2, "\(text)") }
            }
        }
    }
}

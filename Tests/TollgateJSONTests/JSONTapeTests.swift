import Testing
@testable import TollgateJSON

private func withBytes<R>(_ text: String, _ f: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBytes { try f($0) }
}

struct JSONTapeTests {
    /// Every value is recorded in document order with its key and subtree end.
    @Test func recordsValuesInOrder() throws {
        try withBytes(#" {"a":[1,{"b":null}],"c":"x"} "#) { (b) throws in
            let t = try JSONTape(b)
            #expect(t.entries.map(\.kind) == [.object, .array, .number, .object, .null, .string])
            #expect(t.entries[0].next == 6)
            #expect(t.entries[1].next == 5)
            #expect(t.entries[1].key?.string(in: b) == "a")
            #expect(t.entries[4].key?.string(in: b) == "b")
            #expect(t.entries[2].key == nil)
            #expect(t.root.range == 1..<29)
            var children: [Int] = []
            try t.forEachChild(of: 0) { children.append($0) }
            #expect(children == [1, 5])
        }
    }

    /// A slice read from the document maps back to its tape index; other slices do not.
    @Test func indexOfSlice() throws {
        try withBytes(#"{"a":{"b":[true,false]},"c":2}"#) { (b) throws in
            let t = try JSONTape(b)
            for (i, e) in t.entries.enumerated() { #expect(t.index(of: e.slice) == i) }
            #expect(t.index(of: JSONSlice(kind: .object, range: 2..<5)) == nil)
        }
    }

    /// The tape accepts and refuses exactly what the validating scanner does, with the same error.
    @Test func sameVerdictAsScanner() {
        let cases = [
            #"{"a":1}"#, #"[1,2,"x"]"#, #""s""#, "12.5e3", "true", "null", #"{"a":}"#, #"{"a":1,}"#,
            "[1 2]", #"{"a" 1}"#, #""\ud800""#, "01", "[", "{}x", "", #"{"k":"\u0000"}"#, #"["a\u0001"]"#,
            String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
        ]
        for c in cases {
            withBytes(c) { b in
                let scanner = Result { () throws(JSONParseError) in try JSONScanner().root(of: b) }
                let tape = Result { () throws(JSONParseError) in try JSONTape(b) }
                switch (scanner, tape) {
                case (.success(let s), .success(let t)): #expect(s == t.root, "\(c)")
                case (.failure(let e1), .failure(let e2)): #expect(e1 == e2, "\(c)")
                default: Issue.record("scanner and tape disagree on \(c)")
                }
            }
        }
    }

    /// Field lookups on the tape keep the duplicate rule and match escaped keys.
    @Test func fieldLookups() throws {
        try withBytes(#"{"mod\u0065l":"m","usage":{"n":3},"x":1,"x":2}"#) { (b) throws in
            let t = try JSONTape(b)
            let f = try t.fields(of: 0, keys: JSONKeys(["model", "usage"]), in: b)
            #expect(f["model"]?.string(in: b) == "m")
            #expect(try t.value(forKey: "model" as StaticString, of: 0, in: b)?.string(in: b) == "m")
            let u = try #require(try t.value(forKey: "usage" as StaticString, of: 0, in: b))
            #expect(try t.value(forKey: "n" as StaticString, of: t.index(of: u)!, in: b)?.int64(in: b) == 3)
            #expect(throws: JSONParseError.self) { try t.value(forKey: "x" as StaticString, of: 0, in: b) }
            #expect(throws: JSONParseError.self) { try t.fields(of: 0, keys: JSONKeys(["x"]), in: b) }
        }
    }

    /// String value bytes of a subtree count values, not keys.
    @Test func stringValueBytes() throws {
        try withBytes(#"{"messages":[{"role":"user","content":"hello"}],"n":1}"#) { (b) throws in
            let t = try JSONTape(b)
            #expect(t.stringValueBytes(at: 1) == 9)
            #expect(t.stringValueBytes(at: 0) == 9)
        }
    }

    /// Random byte soup never crashes the tape builder, and it agrees with the scanner.
    @Test func randomInputAgreesWithScanner() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[],:"\ 0123456789.eE+-truefalsnu\"#.utf8) + [0x00, 0x1F, 0xC3, 0xA9, 0xFF]
        for _ in 0..<3000 {
            let n = Int.random(in: 0..<24, using: &rng)
            let bytes = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            bytes.withUnsafeBytes { b in
                let s = (try? JSONScanner().root(of: b))
                let t = (try? JSONTape(b))?.root
                #expect(s == t)
            }
        }
    }
}

import Testing
import TollgateTestSupport
@testable import TollgateJSON

/// `JSONRootMembers` (one validating pass, tallies) against the tape: the same members,
/// slices, string bytes, element counts and flags, and the same errors.
struct JSONRootMembersTests {
    /// What the cursor reports, tallying every member (flagging keys that start with "f").
    struct Walk: Equatable {
        var members: [(key: Range<Int>, escaped: Bool, value: JSONSlice, tally: JSONTally)] = []
        static func == (a: Walk, b: Walk) -> Bool {
            a.members.count == b.members.count
                && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.escaped == $1.escaped && $0.value == $1.value && $0.tally == $1.tally }
        }
    }

    static func flag(_ k: UnsafeRawBufferPointer) -> Bool { k.first == UInt8(ascii: "f") }

    /// The walk, or nil when the root is not an object.
    static func walk(_ b: UnsafeRawBufferPointer, skipEvery: Int) throws(JSONParseError) -> Walk? {
        var w = JSONRootMembers(b)
        guard try w.begin() else { return nil }
        var out = Walk()
        var i = 0
        while let k = try w.nextKey() {
            var t = JSONTally()
            let v = i % skipEvery == 1 ? try w.skipValue() : try w.tallyValue(&t, isFlaggedKey: flag)
            if i % skipEvery == 1 { t = Self.expectedTally(nil, b) }
            out.members.append((k.start..<k.end, k.escaped, v, t))
            i += 1
        }
        try w.finish()
        return out
    }

    static func expectedTally(_ at: (JSONTape, Int)?, _ b: UnsafeRawBufferPointer) -> JSONTally {
        var t = JSONTally()
        guard let (tape, i) = at else { return t }
        t.stringBytes = Int(tape.stringValueBytes(at: i))
        if tape[i].kind == .array { tape.forEachChildNoThrow(of: i) { _ in t.elements += 1 } }
        var c = i
        while c < tape[i].next {
            if tape[c].kind == .object {
                tape.forEachChildNoThrow(of: c) { m in
                    let e = tape[m]
                    if e.keyEscaped || flag(UnsafeRawBufferPointer(rebasing: b[(e.keyStart + 1)..<(e.keyEnd - 1)])) { t.flagged = true }
                }
            }
            c += 1
        }
        return t
    }

    /// The same walk read from a tape of the document (nil when the root is not an object).
    static func tapeWalk(_ b: UnsafeRawBufferPointer, skipEvery: Int) throws(JSONParseError) -> Walk? {
        let tape = try JSONTape(b)
        guard tape[0].kind == .object else { return nil }
        var out = Walk()
        var i = 0
        tape.forEachChildNoThrow(of: 0) { c in
            let e = tape[c]
            let t = i % skipEvery == 1 ? expectedTally(nil, b) : expectedTally((tape, c), b)
            out.members.append((e.keyStart..<e.keyEnd, e.keyEscaped, e.slice, t))
            i += 1
        }
        return out
    }

    static func agree(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { b in
            for skipEvery in [1, 2] {
                let fast = Result { () throws(JSONParseError) in try walk(b, skipEvery: skipEvery) }
                let tape = Result { () throws(JSONParseError) in try tapeWalk(b, skipEvery: skipEvery) }
                switch (fast, tape) {
                case (.success(let x), .success(let y)): if x != y { return false }
                case (.failure(let x), .failure(let y)): if x != y { return false }
                case (.success(nil), .failure): continue  // not an object: the cursor stops before validating
                default: return false
                }
            }
            return true
        }
    }

    static let cases = [
        #"{"model":"m","messages":[{"role":"user","content":"hi there, a longer string"},{"file":"x","c":[1,"ab",{"f":2}]}],"n":12}"#,
        #"{"a":[],"b":{},"c":"","d":0,"e":-1.5e+3,"f":true,"g":false,"h":null,"i":[[["x"]]],"j":"caf\u00e9 \"q\" é"}"#,
        #" { "a" : [ 1 , "s" , { "fk" : "v" } ] , "b" : 10.25 } "#, #"{"k\u0066":{"x\u0020":1}}"#, #"{"a":{"\u0066":1}}"#,
        #"{"a":01}"#, #"{"a":1.}"#, #"{"a":1e}"#, #"{"a":-}"#, #"{"a":[1,]}"#, #"{"a":"x\ud800"}"#, #"{"a":"\x"}"#,
        "{\"a\":\"\u{01}\"}", #"{"a":tru}"#, #"{"a":1}x"#, #"{"a":1,}"#, #"{"a" 1}"#, #"{1:2}"#, "{", "", "[1]", "7", #""s""#,
        #"{"a":12345678901234567890123}"#, #"{"a":"0123456789abcdef0123456789\"x"}"#,
        "{\"a\":" + String(repeating: "[", count: 127) + String(repeating: "]", count: 127) + "}",
        "{\"a\":" + String(repeating: "[", count: 128) + String(repeating: "]", count: 128) + "}",
        "{\"a\":" + String(repeating: "{\"f\":", count: 127) + "1" + String(repeating: "}", count: 127) + "}",
        "{\"a\":" + String(repeating: "{\"f\":", count: 128) + "1" + String(repeating: "}", count: 128) + "}",
    ]

    /// Hand-written documents: every kind, escapes, flagged keys, bad syntax, depth limits.
    @Test func cases() {
        for c in Self.cases { #expect(Self.agree(Array(c.utf8)), "\(c)") }
    }

    /// Every case with one byte deleted, replaced or duplicated at random positions.
    @Test func mutatedCases() {
        let alphabet = Array(#"{}[],:"\ 0123456789.eE+-truefalsnu"#.utf8) + [0x00, 0x1F, 0xC3, 0xA9, 0xFF]
        var checked = 0
        for c in Self.cases {
            let bytes = Array(c.utf8)
            guard !bytes.isEmpty else { continue }
            for m in oneByteMutations(of: bytes, count: 300, alphabet: alphabet) {
                #expect(Self.agree(m), "\(String(decoding: m, as: UTF8.self).prefix(200))")
                checked += 1
            }
        }
        #expect(checked > 5000)
    }
}

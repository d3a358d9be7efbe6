import Testing
import TollgateTestSupport
@testable import TollgateJSON

/// `JSONCursor` walking every container it meets against the tape: a document is accepted
/// exactly when the tape accepts it, and the walk sees every key, element and scalar value the
/// tape holds, in order, with the same ranges.
struct JSONCursorTests {
    /// One step of a walk: a key's range, an element marker, or a scalar value's slice.
    enum Step: Equatable {
        case key(Range<Int>)
        case element
        case scalar(JSONSlice)
        case open(JSONSlice.Kind)
        case close
    }

    /// Walks the whole document, entering every object and array.
    static func walk(_ b: UnsafeRawBufferPointer) throws(JSONParseError) -> [Step] {
        var c = JSONCursor(b)
        var steps: [Step] = []
        if var root = try c.enterRootObject() {
            steps.append(.open(.object))
            try walkObject(&c, &root, &steps)
        } else {
            // A root that is not an object: an array holding it walks the same way below.
            try walkValue(&c, in: JSONCursor.Container(depth: -1), &steps)
        }
        try c.finishDocument()
        return steps
    }

    static func walkObject(_ c: inout JSONCursor, _ o: inout JSONCursor.Container, _ steps: inout [Step]) throws(JSONParseError) {
        while let k = try c.nextKey(&o) {
            steps.append(.key(k.start..<k.end))
            try walkValue(&c, in: o, &steps)
        }
        steps.append(.close)
    }

    static func walkValue(_ c: inout JSONCursor, in parent: JSONCursor.Container, _ steps: inout [Step]) throws(JSONParseError) {
        if var o = try c.enterObject(in: parent) {
            steps.append(.open(.object))
            try walkObject(&c, &o, &steps)
        } else if var a = try c.enterArray(in: parent) {
            steps.append(.open(.array))
            while try c.nextElement(&a) {
                steps.append(.element)
                try walkValue(&c, in: a, &steps)
            }
            steps.append(.close)
        } else {
            steps.append(.scalar(try c.skipValue(in: parent)))
        }
    }

    /// The same steps read from the tape.
    static func expected(_ b: UnsafeRawBufferPointer) throws(JSONParseError) -> [Step] {
        let tape = try JSONTape(b, maxDepth: JSONLimits.defaultMaxDepth)
        var steps: [Step] = []
        func visit(_ i: Int, inArray: Bool) {
            let e = tape[i]
            if inArray { steps.append(.element) }
            switch e.kind {
            case .object:
                steps.append(.open(.object))
                tape.forEachChildNoThrow(of: i) { m in
                    steps.append(.key(tape[m].keyStart..<tape[m].keyEnd))
                    visit(m, inArray: false)
                }
                steps.append(.close)
            case .array:
                steps.append(.open(.array))
                tape.forEachChildNoThrow(of: i) { visit($0, inArray: true) }
                steps.append(.close)
            default:
                steps.append(.scalar(e.slice))
            }
        }
        visit(0, inArray: false)
        return steps
    }

    static func agree(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        return bytes.withUnsafeBytes { b in
            let mine = Result { () throws(JSONParseError) in try walk(b) }
            let tape = Result { () throws(JSONParseError) in try expected(b) }
            switch (mine, tape) {
            case (.success(let x), .success(let y)): return x == y
            case (.failure, .failure): return true
            default: return false
            }
        }
    }

    static let documents = [
        #"{"id":"c","choices":[{"index":0,"delta":{"content":"hi","tool_calls":[{"id":"1","function":{"arguments":"{}"}}]},"finish_reason":null}],"usage":null}"#,
        #"{}"#, #"{ }"#, #"{"a":[]}"#, #"{"a":[ ]}"#, #"{"a":{}}"#, #"{"a":[1,[2,[3,{"b":[]}]]],"c":-1.5e3,"d":true,"e":false,"f":null}"#,
        #"{"k\u0065y":"v\"x","a":"\ud83d\ude00"}"#, "[1,2]", #""s""#, "7", "null",
        #"{"a":1,}"#, #"{"a":[1,]}"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, #"{"a":[1 2]}"#, #"{"a":}"#, #"{"a":[}"#, #"{"#, "",
        #"{"a":1} x"#, #"{"a":"\ud800"}"#, #"{"a":01}"#, #"{"a":tru}"#,
        "{\"a\":" + String(repeating: "[", count: 127) + String(repeating: "]", count: 127) + "}",
        "{\"a\":" + String(repeating: "[", count: 128) + String(repeating: "]", count: 128) + "}",
    ]

    /// Fixtures and edge cases: empty containers, nesting, escapes, bad syntax, the depth limit.
    @Test func fixturesAgreeWithTheTape() {
        for d in Self.documents {
            #expect(Self.agree(d), "\(d.prefix(120))")
        }
    }

    /// Every fixture with one byte deleted, replaced or duplicated at random positions.
    @Test func mutatedDocumentsAgreeWithTheTape() {
        let alphabet = Array(#"{}[],:"\ 0123456789.eE+-truefalsnu"#.utf8) + [0x00, 0xC3]
        for d in Self.documents {
            let bytes = Array(d.utf8)
            guard !bytes.isEmpty else { continue }
            for m in oneByteMutations(of: bytes, count: 150, alphabet: alphabet) {
                let s = String(decoding: m, as: UTF8.self)
                guard Array(s.utf8) == m else { continue }
                #expect(Self.agree(s), "\(s.prefix(160))")
            }
        }
    }
}

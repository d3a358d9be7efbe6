import Testing
@testable import TollgateJSON

@discardableResult
private func scan<R>(_ text: String, _ f: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBytes { try f($0) }
}

struct JSONScannerTests {
    /// Top-level fields come back as typed slices readable in place.
    @Test func topLevelFields() throws {
        try scan(#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":1e2,"x":null}"#) { (b) throws in
            let f = try JSONScanner.topLevelFields(in: b, keys: ["model", "stream", "max_tokens", "missing", "x"])
            #expect(f["model"]?.string(in: b) == "gpt-4o")
            #expect(f["model"]?.stringEquals("gpt-4o", in: b) == true)
            #expect(f["stream"]?.bool == true)
            #expect(f["max_tokens"]?.int64(in: b) == 100)
            #expect(f["missing"] == nil)
            #expect(f["x"]?.isNull == true)
        }
    }

    /// Keys written with escapes still match.
    @Test func escapedKeys() throws {
        try scan(#"{"mod\u0065l":"a\"b"}"#) { (b) throws in
            let f = try JSONScanner.topLevelFields(in: b, keys: ["model"])
            #expect(f["model"]?.string(in: b) == "a\"b")
        }
    }

    /// A requested key that appears twice is refused; unrequested duplicates are fine.
    @Test func duplicates() throws {
        try scan(#"{"max_tokens":1,"a":1,"a":2,"max_tokens":999999}"#) { (b) throws in
            #expect(throws: JSONParseError.self) { try JSONScanner.topLevelFields(in: b, keys: ["max_tokens"]) }
            #expect(try JSONScanner.topLevelFields(in: b, keys: ["x"]).isEmpty)
        }
    }

    /// Dotted paths descend through objects.
    @Test func pathLookup() throws {
        try scan(#"{"usage":{"prompt_tokens":12,"prompt_tokens_details":{"cached_tokens":3}},"choices":[]}"#) { (b) throws in
            #expect(try JSONScanner.value(atPath: "usage.prompt_tokens", in: b)?.int64(in: b) == 12)
            #expect(try JSONScanner.value(atPath: "usage.prompt_tokens_details.cached_tokens", in: b)?.int64(in: b) == 3)
            #expect(try JSONScanner.value(atPath: "usage.nope", in: b) == nil)
            #expect(try JSONScanner.value(atPath: "choices.x", in: b) == nil)
            #expect(try JSONScanner.value(atPath: "choices", in: b)?.isEmptyContainer(in: b) == true)
        }
    }

    /// Malformed documents throw even when the wanted fields come first.
    @Test(arguments: [#"{"model":"x","a":[1,}"#, #"{"model":"x"} x"#, #"{"model":"x","#, #"["model"]"#, "", #"{"model":"\ud800"}"#])
    func rejectsMalformed(_ text: String) {
        scan(text) { b in
            #expect(throws: JSONParseError.self) { try JSONScanner.topLevelFields(in: b, keys: ["model"]) }
        }
    }

    /// Scanner depth is bounded.
    @Test func depth() {
        scan("{\"a\":" + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}") { b in
            #expect(throws: JSONParseError.self) { try JSONScanner.topLevelFields(in: b, keys: ["a"]) }
        }
    }

    /// Iterating members gives removal ranges that keep the object valid.
    @Test(arguments: [
        (#"{"a":1,"usage":null}"#, #"{"a":1}"#), (#"{"usage":null,"a":1}"#, #"{"a":1}"#), (#"{"usage":null}"#, "{}"),
        (#"{"a":1,"usage":null,"b":2}"#, #"{"a":1,"b":2}"#), (#"{ "usage" : null , "a" : 1 }"#, #"{ "a" : 1 }"#),
        (#"{"a":1 , "usage":null }"#, #"{"a":1 }"#),
    ])
    func removal(_ text: String, _ expected: String) throws {
        let out = try JSONSplice.removing(["usage"], in: Array(text.utf8))
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    /// Setting a member replaces its value or inserts it, keeping all other bytes.
    @Test func setting() throws {
        func set(_ path: [String], _ v: String, _ doc: String) throws -> String {
            String(decoding: try JSONSplice.setting(path, to: Array(v.utf8), in: Array(doc.utf8)), as: UTF8.self)
        }
        #expect(try set(["max_tokens"], "5", #"{ "model": "x", "max_tokens": 4096 }"#) == #"{ "model": "x", "max_tokens": 5 }"#)
        #expect(try set(["max_tokens"], "5", #"{ "model": "x" }"#) == #"{ "model": "x","max_tokens":5 }"#)
        #expect(try set(["max_tokens"], "5", "{}") == #"{"max_tokens":5}"#)
        #expect(try set(["stream_options", "include_usage"], "true", #"{"stream":true}"#) == #"{"stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(try set(["stream_options", "include_usage"], "true", #"{"stream_options":{"x":1}}"#) == #"{"stream_options":{"x":1,"include_usage":true}}"#)
        #expect(try set(["stream_options", "include_usage"], "true", #"{"stream_options":null}"#) == #"{"stream_options":{"include_usage":true}}"#)
        #expect(try set(["a", "b"], "1", #"{"a":{}}"#) == #"{"a":{"b":1}}"#)
        #expect(throws: JSONParseError.self) { try set(["a"], "1", "[1]") }
    }

    /// Integral number forms read exactly; fractions and overflow do not.
    @Test(arguments: [
        ("0", Int64?(0)), ("-0", 0), ("42", 42), ("1e3", 1000), ("1E+3", 1000), ("1000.0", 1000), ("1.5e1", 15), ("150e-1", 15),
        ("1.5", nil), ("1e-1", nil), ("9223372036854775807", .max), ("9223372036854775808", nil), ("1e19", nil),
        ("-9223372036854775807", -9_223_372_036_854_775_807), ("0.000", 0), ("1.0000000000000000000000001", nil),
        ("100000000000000000000e-2", 1_000_000_000_000_000_000),
    ])
    func integers(_ text: String, _ expected: Int64?) {
        #expect(JSONNumber.integer(Array(text.utf8)) == expected, "\(text)")
    }

    /// Elements iterate in order.
    @Test func elements() throws {
        try scan(#"[1, "a", {"b":[2]}, null]"#) { (b) throws in
            var kinds: [JSONSlice.Kind] = []
            let root = try JSONScanner().root(of: b)
            try JSONScanner().forEachElement(of: root, in: b) { kinds.append($0.kind) }
            #expect(kinds == [.number, .string, .object, .null])
        }
    }

    /// The scanner agrees with the parser on validity.
    @Test(arguments: [#"{"a":[1,2,{"b":"c"}]}"#, #"{"a":}"#, "[]", " 1 ", "\"\\u0000\"", "[1,2", "{\"a\":1}}", "-01"])
    func agreesWithParser(_ text: String) {
        let parsed = (try? JSONValue(parsing: text)) != nil
        scan(text) { b in #expect(JSONScanner.isValid(b) == parsed) }
    }
}

/// Inputs the fuzzers found; each must be handled as the comment says.
struct JSONFuzzRegressionTests {
    /// A duplicate key before a syntax error: the syntax error wins (fuzz crash-606b5552).
    @Test func duplicateThenSyntaxError() {
        let text = #"{"model":"gpt-4o","stream":"gpt-4o","stream":true,"max_tokens","m:100}"#
        Array(text.utf8).withUnsafeBytes { b in
            do throws(JSONParseError) {
                _ = try JSONScanner.topLevelFields(in: b, keys: ["stream"])
                Issue.record("accepted")
            } catch {
                #expect(error.code == .unexpectedByte)
            }
        }
    }
}

import Testing
@testable import TollgateJSON

struct JSONParserTests {
    /// Every value kind parses, member order and number text are kept.
    @Test func parsesAllKinds() throws {
        let v = try JSONValue(parsing: #" {"b":[1,-2.5e+3,true,false,null],"a":"x\ny","n":12345678901234567890} "#)
        #expect(v.objectMembers?.map(\.key) == ["b", "a", "n"])
        #expect(v["b"] == .array([.number("1"), .number("-2.5e+3"), .bool(true), .bool(false), .null]))
        #expect(v["a"] == .string("x\ny"))
        #expect(v["n"] == .number("12345678901234567890"))
    }

    /// Escapes decode, including surrogate pairs to one scalar.
    @Test func decodesEscapes() throws {
        let v = try JSONValue(parsing: #""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#)
        #expect(v == .string("\"\\/\u{8}\u{C}\n\r\t\u{E9}\u{1F600}"))
    }

    /// Raw multi-byte UTF-8 is accepted as is.
    @Test func acceptsUTF8() throws {
        #expect(try JSONValue(parsing: "\"h\u{E9}llo \u{1F600}\"") == .string("h\u{E9}llo \u{1F600}"))
    }

    /// Malformed documents are refused with the right code.
    @Test(arguments: [
        ("", JSONParseError.Code.unexpectedEnd), ("{", .unexpectedEnd), ("[1,]", .unexpectedByte), ("{\"a\":1,}", .unexpectedByte),
        ("01", .trailingData), ("1.", .invalidNumber), ("-", .unexpectedEnd), ("1e", .invalidNumber), ("+1", .unexpectedByte),
        ("tru", .unexpectedEnd), ("nul!", .unexpectedByte), ("\"\\x\"", .invalidEscape), ("\"\\u12G4\"", .invalidEscape),
        ("\"\\ud800\"", .invalidUnicode), ("\"\\udc00\"", .invalidUnicode), ("\"\\ud800\\u0041\"", .invalidUnicode),
        ("\"a\u{01}\"", .controlCharacter), ("\"abc", .unexpectedEnd), ("{1:2}", .unexpectedByte), ("[1 2]", .unexpectedByte),
        ("{\"a\" 1}", .unexpectedByte), ("1 2", .trailingData), ("\u{FEFF}{}", .unexpectedByte), ("[1]//", .trailingData),
        ("NaN", .unexpectedByte), ("'a'", .unexpectedByte),
    ])
    func rejects(_ text: String, _ code: JSONParseError.Code) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        do { _ = try JSONValue(parsing: text) } catch { #expect(error.code == code, "\(text): \(error)") }
    }

    /// Invalid UTF-8 (overlong, surrogate, truncated, stray continuation) is refused.
    @Test(arguments: [[0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xF0, 0x9F, 0x98]] as [[UInt8]])
    func rejectsBadUTF8(_ bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: bytes) }
    }

    /// Errors carry byte offset, line and column.
    @Test func errorPosition() {
        do {
            _ = try JSONValue(parsing: "{\n  \"a\": 1,\n  \"b\": x\n}")
            Issue.record("parsed")
        } catch {
            #expect(error.code == .unexpectedByte)
            #expect(error.offset == 19)
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
    }

    /// Nesting beyond the depth limit is refused without recursion trouble.
    @Test func depthLimit() throws {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        let ok = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        _ = try JSONValue(parsing: ok, maxDepth: 10)
        do { _ = try JSONValue(parsing: ok, maxDepth: 9); Issue.record("parsed") } catch { #expect(error.code == .tooDeep) }
    }

    /// Serialization is compact, keeps order and escapes what must be escaped.
    @Test func serializes() throws {
        let v = JSONValue.object([
            (key: "z", value: .string("a\"b\\c\n\u{1}\u{E9}")), (key: "a", value: .array([.number("1.50"), .null, .bool(true)])),
        ])
        #expect(v.serializedString == #"{"z":"a\"b\\c\n\u0001é","a":[1.50,null,true]}"#)
        #expect(try JSONValue(parsing: v.serialized()) == v)
    }

    /// Parse -> serialize -> parse is the identity on the value.
    @Test func roundTrip() throws {
        let text = #"{ "a" : [ 1 , { "b" : "\u0000\u001f\ud83d\ude00" } ] , "c" : {} , "d" : [] }"#
        let v = try JSONValue(parsing: text)
        #expect(try JSONValue(parsing: v.serialized()) == v)
        #expect(v.serializedString == #"{"a":[1,{"b":"\u0000\u001f😀"}],"c":{},"d":[]}"#)
    }

    /// Accessors read strings, integers (integral forms too) and booleans.
    @Test func accessors() throws {
        let v = try JSONValue(parsing: #"{"s":"x","i":42,"e":1e3,"f":1.5,"big":9223372036854775808,"b":true,"n":null}"#)
        #expect(v["s"]?.stringValue == "x")
        #expect(v["i"]?.int64Value == 42)
        #expect(v["e"]?.int64Value == 1000)
        #expect(v["f"]?.int64Value == nil)
        #expect(v["big"]?.int64Value == nil)
        #expect(v["b"]?.boolValue == true)
        #expect(v["n"]?.isNull == true)
        #expect(v["f"]?.doubleValue == 1.5)
    }

    /// setMember replaces in place (dropping duplicates) or appends; removeMember removes all.
    @Test func memberEditing() throws {
        var v = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        v.setMember("a", .number("9"))
        #expect(v.serializedString == #"{"a":9,"b":2}"#)
        v.setMember("c", .null)
        #expect(v.serializedString == #"{"a":9,"b":2,"c":null}"#)
        #expect(v.removeMember("b") == .number("2"))
        #expect(v.serializedString == #"{"a":9,"c":null}"#)
    }
}

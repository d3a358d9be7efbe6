import Testing
@testable import TollgateConfig

struct ConfigJSONTests {
    /// A pretty-printed JSON document parses as YAML flow.
    @Test func prettyJSON() throws {
        let json = """
            {
              "listen": "127.0.0.1:8787",
              "workers": 4,
              "tls": false,
              "upstreams": [
                {"name": "openai", "url": "https://api.openai.com", "weight": 1.5},
                {"name": "local", "url": null}
              ],
              "empty": {},
              "none": []
            }
            """
        let node = try parse(json)
        #expect(show(node) == #"{listen: "127.0.0.1:8787", workers: 4, tls: false, upstreams: [{name: "openai", url: "https://api.openai.com", weight: 1.5}, {name: "local", url: null}], empty: {}, none: []}"#)
        #expect(node["upstreams"]?.items?[1]["url"]?.isNull == true)
        #expect(node["workers"]?.location.description == "t.yaml:3:14")
    }

    /// Compact JSON with no spaces after ':' or ',' and JSON escapes.
    @Test func compactJSON() {
        #expect(tree(#"{"a":1,"b":[true,false,null],"c":"\u0041\n\/"}"#) == #"{a: 1, b: [true, false, null], c: "A\n/"}"#)
        #expect(tree(#"[1,-2.5e3,"x"]"#) == #"[1, -2.5e3, "x"]"#)
    }

    /// JSON indented with tabs is accepted (tabs are only refused in block indentation).
    @Test func tabIndentedJSON() {
        #expect(tree("{\n\t\"a\": [\n\t\t1\n\t]\n}") == "{a: [1]}")
    }

    /// JSON errors: a missing comma and a missing brace, with positions.
    @Test func jsonErrors() {
        // YAML plain scalars may contain spaces, so the value runs to the next ': '.
        #expect(parseError("{\"a\": 1 \"b\": 2}") == "t.yaml:1:12: expected ',' or '}'")
        #expect(parseError("{\"a\": \"x\" \"b\": 2}") == "t.yaml:1:11: expected ',' or '}'")
        #expect(parseError("{\"a\": [1, 2}") == "t.yaml:1:12: expected ',' or ']'")
        #expect(parseError("{\n  \"a\": 1,\n  \"b\": 2\n") == "t.yaml:1:1: unterminated flow mapping: no matching '}'")
        #expect(parseError("{\"a\": 1, \"a\": 2}") == "t.yaml:1:10: duplicate key 'a' (first defined at t.yaml:1:2)")
        #expect(parseError("{\"a\" 1}") == "t.yaml:1:6: expected ':' after mapping key")
    }
}

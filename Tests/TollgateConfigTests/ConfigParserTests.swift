import Testing
@testable import TollgateConfig

struct ConfigParserTests {
    /// A block mapping keeps key order and each key's location.
    @Test func blockMappingOrderAndLocations() throws {
        let node = try parse("b: 1\na: two\n\"c d\": 'x'\n")
        #expect(show(node) == #"{b: 1, a: two, c d: "x"}"#)
        let e = try #require(node.entries)
        #expect(e.map(\.keyLocation.description) == ["t.yaml:1:1", "t.yaml:2:1", "t.yaml:3:1"])
        #expect(e[1].value.location.description == "t.yaml:2:4")
        #expect(node.location.description == "t.yaml:1:1")
    }

    /// Nested block mappings by indentation, any consistent width.
    @Test func nestedMappings() {
        #expect(tree("a:\n  b:\n    c: 1\n  d: 2\ne: 3") == "{a: {b: {c: 1}, d: 2}, e: 3}")
        #expect(tree("a:\n    b: 1\n    c: 2\n") == "{a: {b: 1, c: 2}}")
    }

    /// Block sequences of scalars, of mappings, and nested sequences.
    @Test func blockSequences() {
        #expect(tree("- a\n- b\n-\n- 'c'") == #"[a, b, ~, "c"]"#)
        #expect(tree("- name: a\n  url: x\n- name: b\n") == "[{name: a, url: x}, {name: b}]")
        #expect(tree("- - a\n  - b\n- - c") == "[[a, b], [c]]")
        #expect(tree("-\n  k: v\n") == "[{k: v}]")
    }

    /// A sequence as a mapping value, indented or at the key's own indentation.
    @Test func sequenceUnderKey() {
        #expect(tree("models:\n  - a\n  - b\nx: 1") == "{models: [a, b], x: 1}")
        #expect(tree("models:\n- a\n- b\nx: 1") == "{models: [a, b], x: 1}")
        #expect(tree("p:\n  m:\n  - a\n  n: 1") == "{p: {m: [a], n: 1}}")
    }

    /// Flow mappings and sequences, nested, over lines, with a trailing comma.
    @Test func flowCollections() {
        #expect(tree("{a: 1, b: [x, y]}") == "{a: 1, b: [x, y]}")
        #expect(tree("k: [1, 'two', \"three\", {x: y}]") == #"{k: [1, "two", "three", {x: y}]}"#)
        #expect(tree("k: [\n  a,\n  b,\n]\nz: {}") == "{k: [a, b], z: {}}")
        #expect(tree("k: []") == "{k: []}")
        #expect(tree("k: {a: , b: }") == "{k: {a: ~, b: ~}}")
        #expect(tree("k: [a b, c:d, http://x/y]") == "{k: [a b, c:d, http://x/y]}")
        #expect(tree("k: [a, # comment\n  b]") == "{k: [a, b]}")
    }

    /// Plain scalars keep inner spaces, '#' not after a space, and ': ' is not part of them.
    @Test func plainScalars() {
        #expect(tree("a: hello world  ") == "{a: hello world}")
        #expect(tree("a: x#y # comment") == "{a: x#y}")
        #expect(tree("url: http://h:80/p") == "{url: http://h:80/p}")
        #expect(tree("a: -1\nb: -x\nc: ?x\nd: :x") == "{a: -1, b: -x, c: ?x, d: :x}")
        #expect(tree("just a scalar") == "just a scalar")
    }

    /// Single-quoted strings: '' is a quote, backslashes are literal, '#' is text.
    @Test func singleQuoted() {
        #expect(tree("a: 'it''s # not a comment \\n'") == #"{a: "it\'s # not a comment \\n"}"#)
    }

    /// Double-quoted escapes: \n \t \" \\ \/ \uXXXX, surrogate pairs, \x and \U.
    @Test func doubleQuotedEscapes() throws {
        let node = try parse(#"a: "l1\nl2\t\"q\" \\ \/ \u00e9 \uD83D\uDE00 \x41 \U0001F600 \0""#)
        #expect(node["a"]?.scalar?.text == "l1\nl2\t\"q\" \\ / é 😀 A 😀 \0")
        #expect(node["a"]?.scalar?.style == .doubleQuoted)
    }

    /// Quoted strings may span lines: a break folds to a space, an empty line to "\n",
    /// an escaped break joins without a space.
    @Test func multiLineQuoted() {
        #expect(tree("a: \"one\n  two\n\n  three\"\nb: 'x\n  y'") == #"{a: "one two\nthree", b: "x y"}"#)
        #expect(tree("a: \"abc\\\n   def\"") == #"{a: "abcdef"}"#)
    }

    /// Comments are skipped everywhere except inside quotes.
    @Test func comments() {
        #expect(tree("# head\na: 1 # tail\n  # indented comment\n\nb: '# no' # yes\n# end") == ##"{a: 1, b: "# no"}"##)
    }

    /// Literal block scalars with clip, strip and keep chomping.
    @Test func literalBlockScalars() {
        #expect(tree("a: |\n  l1\n   l2\n\n  l3\n\nb: 1") == #"{a: "l1\n l2\n\nl3\n", b: 1}"#)
        #expect(tree("a: |-\n  l1\n  l2\n\n") == #"{a: "l1\nl2"}"#)
        #expect(tree("a: |+\n  l1\n\n\nb: x") == #"{a: "l1\n\n\n", b: x}"#)
        #expect(tree("a: |\n  # not a comment\n  x: y\n") == ##"{a: "# not a comment\nx: y\n"}"##)
        #expect(tree("a: | # header comment\n  x\n") == #"{a: "x\n"}"#)
        #expect(tree("a: |2\n    indented\n  base\n") == #"{a: "  indented\nbase\n"}"#)
        #expect(tree("a: |\nb: 1") == #"{a: "", b: 1}"#)
        #expect(tree("- |\n  x\n- y") == #"["x\n", y]"#)
    }

    /// Folded block scalars: lines join with spaces, empty lines and more-indented lines keep breaks.
    @Test func foldedBlockScalars() {
        #expect(tree("a: >\n  one\n  two\n\n  three\n") == #"{a: "one two\nthree\n"}"#)
        #expect(tree("a: >-\n  one\n    code\n  two\n") == #"{a: "one\n  code\ntwo"}"#)
    }

    /// A block scalar at the end of the file without a final newline.
    @Test func blockScalarAtEOF() {
        #expect(tree("a: |\n  x") == #"{a: "x"}"#)
        #expect(tree("a: >\n  x\n  y") == #"{a: "x y"}"#)
    }

    /// Empty values are null; `null` and `~` are plain nulls; an empty file is null.
    @Test func nulls() throws {
        let node = try parse("a:\nb: ~\nc: null\nd: 'null'\n")
        let e = try #require(node.entries)
        #expect(e.map(\.value.isNull) == [true, true, true, false])
        #expect(e[0].value.location.description == "t.yaml:1:3")
        #expect(try parse("").isNull)
        #expect(try parse("# only a comment\n\n").isNull)
        #expect(try parse("---\n").isNull)
    }

    /// `---` starts the single document; `...` may end it.
    @Test func documentMarkers() {
        #expect(tree("---\na: 1\n...\n# after") == "{a: 1}")
        #expect(tree("--- # c\n- x\n") == "[x]")
        #expect(tree("--- {a: 1}") == "{a: 1}")
        #expect(tree("--- |\n  text\n") == #""text\n""#)
    }

    /// CRLF line endings and a byte-order mark are accepted and do not shift columns.
    @Test func crlfAndBOM() throws {
        #expect(tree("\u{FEFF}a: 1\r\nb:\r\n  - x\r\n") == "{a: 1, b: [x]}")
        #expect(parseError("a: 1\r\nb: \"x\r\n") == "t.yaml:2:4: unterminated double-quoted string")
    }

    /// Tabs are fine as separators within a line, and inside blank lines.
    @Test func tabsWithinLines() {
        #expect(tree("a:\t1\t# c\n\t\nb: [1,\t2]") == "{a: 1, b: [1, 2]}")
    }

    /// Keys may be any plain text before ': ', including spaces, dots and slashes.
    @Test func keyShapes() {
        #expect(tree("a.b/c d: 1\n'q:k': 2\n\"\": 3") == "{a.b/c d: 1, q:k: 2, : 3}")
    }

    /// A mapping entry in a sequence may hold a nested block value.
    @Test func sequenceOfMappingsWithNestedValues() {
        let text = """
            - name: openai
              models:
                - gpt-4o
                - gpt-4o-mini
              limits: {rpm: 60}
            - name: anthropic
              models: [claude]
            """
        #expect(tree(text) == "[{name: openai, models: [gpt-4o, gpt-4o-mini], limits: {rpm: 60}}, {name: anthropic, models: [claude]}]")
    }

    /// Fuzz finding (PyYAML differential): a last line of only spaces without a line break does
    /// not take away the content's final newline.
    @Test func blockScalarTrailingSpacesAtEOF() throws {
        #expect(try parse("|\n  x\n  y'\n\n\n  ").scalar?.text == "x\ny'\n")
        #expect(tree("|+\n  x\n\n  ") == #""x\n\n""#)
    }

    /// Fuzz finding (PyYAML differential): a document marker in column 0 ends a block scalar
    /// even when the content is at indentation 0.
    @Test func documentMarkerEndsBlockScalar() {
        #expect(parseError("|\ntext\n---\nb: 1\n") == "t.yaml:3:1: a second document ('---'); only one document per file is supported")
        #expect(tree("--- |\ntext\n...\n") == #""text\n""#)
    }

    /// Folded keep chomping, an indentation digit under a sequence, and a folded scalar in a list.
    @Test func moreBlockScalarForms() throws {
        #expect(try parse("a: >+\n  x\n  y\n\nb: 1")["a"]?.scalar?.text == "x y\n\n")
        let items = try #require(try parse("- |1\n  two\n- >\n a\n b\n").items)
        #expect(items.map { $0.scalar?.text } == [" two\n", "a b\n"])
        #expect(items.map { $0.scalar?.style } == [.literal, .folded])
    }

    /// A pretty-printed JSON object as a value inside a block mapping.
    @Test func jsonInsideBlock() {
        #expect(tree("limits:\n  {\n    \"rpm\": 60,\n    \"tpm\": [1, 2]\n  }\nnext: 1") == "{limits: {rpm: 60, tpm: [1, 2]}, next: 1}")
        #expect(tree("limits: {\n    \"rpm\": 60\n  }\nnext: 1") == "{limits: {rpm: 60}, next: 1}")
    }

    /// Locations of sequence items, flow items and quoted scalars.
    @Test func nestedLocations() throws {
        let node = try parse("models:\n  - name: a\n    tags: [x, 'y']\n")
        let item = try #require(node["models"]?.items?.first)
        #expect(node["models"]?.location.description == "t.yaml:2:3")
        #expect(item.location.description == "t.yaml:2:5")
        #expect(item["tags"]?.location.description == "t.yaml:3:11")
        #expect(item["tags"]?.items?.map(\.location.description) == ["t.yaml:3:12", "t.yaml:3:15"])
    }
}

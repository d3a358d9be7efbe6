import Testing
@testable import TollgateConfig

/// Realistic mistakes, each with the exact position and message an operator sees.
struct ConfigParseErrorTests {
    /// A key indented less than its siblings but more than its parent.
    @Test func underIndentedKey() {
        #expect(parseError("server:\n  host: x\n port: 1\n") == "t.yaml:3:2: inconsistent indentation: expected 2 spaces")
    }

    /// A key indented more than its siblings after a scalar value.
    @Test func overIndentedKey() {
        #expect(parseError("server:\n  host: x\n   port: 1\n") == "t.yaml:3:4: inconsistent indentation: expected 2 spaces (a plain value cannot continue on the next line; quote it or use '|' or '>')")
        #expect(parseError("a:\n  b: {x: 1}\n    c: 2") == "t.yaml:3:5: inconsistent indentation: expected 2 spaces")
    }

    /// A sequence entry indented differently from the entries before it.
    @Test func misalignedSequenceEntry() {
        #expect(parseError("models:\n  - a\n   - b\n") == "t.yaml:3:4: inconsistent indentation: expected 2 spaces (a plain value cannot continue on the next line; quote it or use '|' or '>')")
        #expect(parseError("models:\n  - a\n - b\n") == "t.yaml:3:2: inconsistent indentation: expected 2 spaces")
    }

    /// A top-level line indented after the document's mapping.
    @Test func topLevelIndentation() {
        #expect(parseError("  a: 1\nb: 2") == "t.yaml:2:1: inconsistent indentation: expected 2 spaces")
    }

    /// A key without its colon, at the end of the line and before a comment.
    @Test func missingColon() {
        #expect(parseError("server:\n  host: x\n  port 8080\n") == "t.yaml:3:12: expected ':' after mapping key")
        #expect(parseError("a: 1\nb # comment\n") == "t.yaml:2:2: expected ':' after mapping key")
        #expect(parseError("a: 1\n\"b\" 2\n") == "t.yaml:2:5: expected ':' after mapping key")
        #expect(parseError("k: {a 1}") == "t.yaml:1:8: expected ':' after mapping key")
    }

    /// `key:value` without a space is named as such wherever it shows up.
    @Test func missingSpaceAfterColon() {
        #expect(parseError("a: 1\nport:8080\n") == "t.yaml:2:5: expected a space after ':' (write 'key: value')")
        #expect(parseError("port:8080\nhost: x\n") == "t.yaml:1:5: expected a space after ':' (write 'key: value')")
        #expect(parseError("server:\n  port:8080\n  host: x\n") == "t.yaml:2:7: expected a space after ':' (write 'key: value')")
        #expect(tree("url:http://x") == "url:http://x")
        #expect(parseError("--:x\ny: 1") == "t.yaml:2:1: unexpected content after the document's top-level value; expected end of file")
    }

    /// Tabs used for indentation, in a mapping and in a sequence.
    @Test func tabIndentation() {
        #expect(parseError("server:\n\thost: x\n") == "t.yaml:2:1: tab character in indentation; indent with spaces")
        #expect(parseError("a:\n  - x\n  \t- y\n") == "t.yaml:3:3: tab character in indentation; indent with spaces")
    }

    /// Unterminated quoted strings point at the opening quote.
    @Test func unterminatedQuotes() {
        #expect(parseError("a: \"abc\nb: 1\n") == "t.yaml:1:4: unterminated double-quoted string")
        #expect(parseError("a:\n  b: 'abc\n  c: 1\n") == "t.yaml:2:6: unterminated single-quoted string")
        #expect(parseError("- \"x") == "t.yaml:1:3: unterminated double-quoted string")
        #expect(parseError("\"abc\\") == "t.yaml:1:1: unterminated double-quoted string")
    }

    /// Unterminated flow collections point at the opening bracket.
    @Test func unterminatedFlow() {
        #expect(parseError("a: [1, 2\nb: 3\n") == "t.yaml:1:4: unterminated flow sequence: no matching ']'")
        #expect(parseError("a: {x: 1") == "t.yaml:1:4: unterminated flow mapping: no matching '}'")
    }

    /// Duplicate keys name both places.
    @Test func duplicateKeys() {
        #expect(parseError("a: 1\nb:\n  c: 1\n  c: 2\n") == "t.yaml:4:3: duplicate key 'c' (first defined at t.yaml:3:3)")
        #expect(parseError("a: 1\n'a': 2\n") == "t.yaml:2:1: duplicate key 'a' (first defined at t.yaml:1:1)")
        // Fuzz finding: a key with a line break is escaped, so the error stays on one line.
        #expect(parseError("{\"x\\na\": 3, 'x\n\n  a': 4}") == #"t.yaml:1:13: duplicate key 'x\na' (first defined at t.yaml:1:2)"#)
    }

    /// Text after a closed quote or a flow collection.
    @Test func trailingText() {
        #expect(parseError("a: \"x\" y\n") == "t.yaml:1:8: unexpected text after a quoted string; expected end of line")
        #expect(parseError("a: [x] y\n") == "t.yaml:1:8: unexpected text after a flow sequence; expected end of line")
    }

    /// A nested mapping or sequence started on its key's line.
    @Test func nestedOnSameLine() {
        #expect(parseError("a: b: c\n") == "t.yaml:1:5: unexpected ':' in a plain value; quote the value, or start the nested mapping on its own line")
        #expect(parseError("a: - x\n") == "t.yaml:1:4: a block sequence cannot start on the same line as its key; put the '- ' entries on the next lines")
    }

    /// A sequence entry inside a mapping, and a mapping key inside a sequence.
    @Test func mixedCollections() {
        #expect(parseError("a: 1\n- b\n") == "t.yaml:2:1: expected a mapping key, found a sequence entry '- '")
        #expect(parseError("- a\nb: 1\n") == "t.yaml:2:1: expected a sequence entry '- ' at this indentation")
        #expect(parseError("k:\n  - a\n  b: 1\n") == "t.yaml:3:3: expected a sequence entry '- ' at this indentation")
    }

    /// Anchors, aliases, tags, complex keys, directives and multiple documents are refused by name.
    @Test func unsupportedFeatures() {
        #expect(parseError("a: &x 1\n") == "t.yaml:1:4: anchors ('&') are not supported; repeat the value instead")
        #expect(parseError("a: *x\n") == "t.yaml:1:4: aliases ('*') are not supported; repeat the value instead")
        #expect(parseError("a: !!str 1\n") == "t.yaml:1:4: tags ('!') are not supported")
        #expect(parseError("? a\n: b\n") == "t.yaml:1:1: complex mapping keys ('? ') are not supported")
        #expect(parseError("%YAML 1.2\n---\na: 1") == "t.yaml:1:1: directives ('%YAML', '%TAG') are not supported")
        #expect(parseError("a: 1\n---\nb: 2\n") == "t.yaml:2:1: a second document ('---'); only one document per file is supported")
        #expect(parseError("a: [*x]") == "t.yaml:1:5: aliases ('*') are not supported; repeat the value instead")
    }

    /// Invalid escapes and surrogates in double-quoted strings.
    @Test func badEscapes() {
        #expect(parseError(#"a: "x\qy""#) == #"t.yaml:1:6: invalid escape '\q' in double-quoted string"#)
        #expect(parseError(#"a: "\u12G4""#) == #"t.yaml:1:5: escape '\u' needs 4 hexadecimal digits"#)
        #expect(parseError(#"a: "\uD800x""#) == #"t.yaml:1:5: unpaired surrogate in '\u' escape"#)
    }

    /// Block scalar header mistakes.
    @Test func badBlockScalarHeader() {
        #expect(parseError("a: |x\n  y\n") == "t.yaml:1:5: expected a chomping indicator ('-' or '+'), an indentation digit (1-9) or end of line after '|'")
        #expect(parseError("a: [|]\n") == "t.yaml:1:5: block scalars ('|', '>') are not allowed inside '[...]' or '{...}'")
    }

    /// Characters that cannot start a plain scalar.
    @Test func badPlainStart() {
        #expect(parseError("a: @x\n") == "t.yaml:1:4: '@' cannot start a plain value; quote the value")
        #expect(parseError("a: `x`\n") == "t.yaml:1:4: '`' cannot start a plain value; quote the value")
        #expect(parseError("k: [a,,b]") == "t.yaml:1:7: expected a value or ']', found ','")
    }

    /// Control characters are rejected with their position.
    @Test func controlCharacters() {
        #expect(parseError("a: 1\nb: x\u{01}y\n") == "t.yaml:2:5: invalid character U+0001; configuration files must be printable text")
    }

    /// Content after a top-level scalar or flow value.
    @Test func contentAfterDocument() {
        #expect(parseError("[1]\nb: 2") == "t.yaml:2:1: unexpected content after the document's top-level value; expected end of file")
        #expect(parseError("a: 1\n...\nb: 2") == "t.yaml:3:1: content after the document end marker '...'; only one document is supported")
    }

    /// Nesting deeper than the limit is an error, not a stack overflow.
    @Test func depthLimit() {
        let deepFlow = String(repeating: "[", count: 100_000)
        #expect(parseError(deepFlow) == "t.yaml:1:65: nesting too deep (more than 64 levels)")
        let deepBlock = (0..<200).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n")
        #expect(parseError(deepBlock) == "t.yaml:65:65: nesting too deep (more than 64 levels)")
        let deepSeq = String(repeating: "- ", count: 1000) + "x"
        #expect(parseError(deepSeq).hasSuffix("nesting too deep (more than 64 levels)"))
    }
}

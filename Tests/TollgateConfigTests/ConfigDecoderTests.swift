import Testing
@testable import TollgateConfig

struct ConfigDecoderTests {
    /// Required and optional keys, typed values and key paths.
    @Test func basicSchema() throws {
        let root = try decoder("listen: 127.0.0.1:8787\nworkers: 4\ndebug: false\nratio: 0.25\nname:\n").mapping(
            allowedKeys: ["listen", "workers", "debug", "ratio", "name", "absent"])
        #expect(try root.required("listen").string() == "127.0.0.1:8787")
        #expect(try root.required("workers").int(range: 1...64) == 4)
        #expect(try root.required("debug").bool() == false)
        #expect(try root.required("ratio").double(range: 0...1) == 0.25)
        #expect(root.optional("name") == nil)
        #expect(root.optional("absent") == nil)
        #expect(root["name"]?.isNull == true)
        #expect(root.keys == ["listen", "workers", "debug", "ratio", "name"])
        #expect(try root.required("workers").path == "workers")
    }

    /// An unknown key is an error at the key, with a did-you-mean suggestion.
    @Test func unknownKeySuggestion() throws {
        let d = try decoder("server:\n  host: x\n  timout: 5s\n")
        let e = decodeError {
            let root = try d.mapping(allowedKeys: ["server"])
            _ = try root.required("server").mapping(allowedKeys: ["host", "port", "timeout"])
        }
        #expect(e == "t.yaml:3:3: unknown key 'timout' in 'server' (did you mean 'timeout'?)")
    }

    /// An unknown key with no close match lists what is allowed.
    @Test func unknownKeyList() throws {
        let d = try decoder("colour: red\n")
        #expect(decodeError { _ = try d.mapping(allowedKeys: ["listen", "upstream"]) }
            == "t.yaml:1:1: unknown key 'colour'; expected one of: listen, upstream")
    }

    /// A missing required key names the mapping and where it is.
    @Test func missingRequiredKey() throws {
        let d = try decoder("# sidecar config\n\nsidecar:\n  listen: x\n")
        #expect(decodeError {
            let root = try d.mapping(allowedKeys: ["sidecar"])
            _ = try root.required("sidecar").mapping(allowedKeys: ["listen", "upstream"]).required("upstream")
        } == "t.yaml:4:3: missing required key 'upstream' in mapping 'sidecar' at t.yaml:4:3")
        #expect(decodeError { _ = try d.mapping().required("upstream") }
            == "t.yaml:3:1: missing required key 'upstream' in the top-level mapping at t.yaml:3:1")
    }

    /// Fuzz finding: a key with a line break in the key path of a message is escaped, so the
    /// error stays on one line.
    @Test func pathWithLineBreak() throws {
        let d = try decoder("\"a\\nb\": {x: 1}")
        let e = decodeError { _ = try d.mapping().required("a\nb").mapping().required("upstream") }
        #expect(e == #"t.yaml:1:9: missing required key 'upstream' in mapping 'a\nb' at t.yaml:1:9"#)
    }

    /// A required key present but empty is its own error, at the empty value.
    @Test func requiredKeyEmpty() throws {
        let d = try decoder("upstream:\nx: 1")
        #expect(decodeError { _ = try d.mapping().required("upstream") } == "t.yaml:1:10: key 'upstream' needs a value")
    }

    /// Wrong types say what was expected and what was found.
    @Test func typeMismatches() throws {
        let d = try decoder("port: \"8080\"\nhost: [a]\nn: abc\nm: {a: 1}\nb: |\n  text\n")
        let m = try d.mapping()
        #expect(decodeError { _ = try m.required("port").int() }
            == #"t.yaml:1:7: expected an integer, found the quoted string "8080" (write it without quotes)"#)
        #expect(decodeError { _ = try m.required("host").string() } == "t.yaml:2:7: expected a string, found a list")
        #expect(decodeError { _ = try m.required("n").int() } == "t.yaml:3:4: expected an integer, found 'abc'")
        #expect(decodeError { _ = try m.required("m").list { (x: ConfigDecoder) throws(ConfigDecodeError) in try x.string() } }
            == "t.yaml:4:4: expected a list, found a mapping")
        #expect(decodeError { _ = try m.required("b").double() } == "t.yaml:5:4: expected a number, found a block string")
        #expect(decodeError { _ = try m.required("n").mapping() } == "t.yaml:3:4: expected a mapping, found 'abc'")
    }

    /// Integers: ranges, signs, separators, hex, overflow.
    @Test func integers() throws {
        let m = try decoder("a: 70000\nb: -5\nc: 1_000\nd: 0x1F\ne: 99999999999999999999\nf: 1.5\ng: +7").mapping()
        #expect(decodeError { _ = try m.required("a").int(range: 1...65535) }
            == "t.yaml:1:4: expected an integer in 1...65535, found 70000")
        #expect(try m.required("b").int() == -5)
        #expect(try m.required("c").int() == 1000)
        #expect(try m.required("d").int() == 31)
        #expect(try m.required("g").int() == 7)
        #expect(decodeError { _ = try m.required("e").int() } == "t.yaml:5:4: integer 99999999999999999999 is too large")
        #expect(decodeError { _ = try m.required("f").int() } == "t.yaml:6:4: expected an integer, found '1.5'")
    }

    /// Booleans are YAML 1.2 true/false; yes/no/on/off get a hint.
    @Test func booleans() throws {
        let m = try decoder("a: true\nb: False\nc: yes\nd: off\ne: 1").mapping()
        #expect(try m.required("a").bool() == true)
        #expect(try m.required("b").bool() == false)
        #expect(decodeError { _ = try m.required("c").bool() }
            == "t.yaml:3:4: expected true or false, found 'yes' (YAML 1.2 booleans are only true/false; write true)")
        #expect(decodeError { _ = try m.required("d").bool() }
            == "t.yaml:4:4: expected true or false, found 'off' (YAML 1.2 booleans are only true/false; write false)")
        #expect(decodeError { _ = try m.required("e").bool() } == "t.yaml:5:4: expected true or false, found '1'")
    }

    /// Durations in ms/s/m/h, compound, fractional, plain seconds; bad ones explained.
    @Test func durations() throws {
        let m = try decoder("a: 30s\nb: 500ms\nc: 2m\nd: 1h\ne: 1h30m\nf: 1.5s\ng: 10\nh: 5 s\ni: 3x\nj: -1s\nk: 1h30").mapping()
        #expect(try m.required("a").duration() == .seconds(30))
        #expect(try m.required("b").duration() == .milliseconds(500))
        #expect(try m.required("c").duration() == .seconds(120))
        #expect(try m.required("d").duration() == .seconds(3600))
        #expect(try m.required("e").duration() == .seconds(5400))
        #expect(try m.required("f").duration() == .milliseconds(1500))
        #expect(try m.required("g").duration() == .seconds(10))
        #expect(try m.required("h").duration() == .seconds(5))
        #expect(decodeError { _ = try m.required("i").duration() } == "t.yaml:9:4: invalid duration '3x': unknown unit 'x' (use ms, s, m, h or d)")
        #expect(decodeError { _ = try m.required("j").duration() } == "t.yaml:10:4: invalid duration '-1s': a duration cannot be negative")
        #expect(decodeError { _ = try m.required("k").duration() } == "t.yaml:11:4: invalid duration '1h30': missing unit after a number")
        #expect(decodeError { _ = try m.required("a").duration(range: .seconds(1) ... .seconds(10)) }.hasPrefix("t.yaml:1:4: duration 30s is out of range"))
    }

    /// Byte sizes in decimal and binary units, plain bytes, and overflow.
    @Test func byteSizes() throws {
        let m = try decoder("a: 32MiB\nb: 64KB\nc: 1024\nd: 1.5GiB\ne: 2 MiB\nf: 9999999TiB\ng: 3 parsecs").mapping()
        #expect(try m.required("a").byteSize() == 32 << 20)
        #expect(try m.required("b").byteSize() == 64_000)
        #expect(try m.required("c").byteSize() == 1024)
        #expect(try m.required("d").byteSize() == 3 << 29)
        #expect(try m.required("e").byteSize() == 2 << 20)
        #expect(decodeError { _ = try m.required("f").byteSize() } == "t.yaml:6:4: invalid size '9999999TiB': size too large")
        #expect(decodeError { _ = try m.required("g").byteSize() }
            == "t.yaml:7:4: invalid size '3 parsecs': unknown unit 'parsecs' (use B, KB, MB, GB, KiB, MiB or GiB)")
        #expect(decodeError { _ = try m.required("a").byteSize(range: 0...1024) }
            == "t.yaml:1:4: size 32MiB (33554432 bytes) is out of range 0...1024 bytes")
    }

    /// Lists decode element by element with indexed paths in errors.
    @Test func lists() throws {
        let m = try decoder("ports: [80, 443, x]\nnames:\n  - a\n  - b\n").mapping()
        #expect(try m.required("names").list { (d: ConfigDecoder) throws(ConfigDecodeError) in try d.string() } == ["a", "b"])
        do {
            _ = try m.required("ports").list { (d: ConfigDecoder) throws(ConfigDecodeError) in try d.int() }
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "t.yaml:1:18: expected an integer, found 'x'")
            #expect(error.path == "ports[2]")
            #expect(error.code == .typeMismatch)
        }
    }

    /// Choices and string enums suggest the near miss.
    @Test func choices() throws {
        enum Policy: String, CaseIterable { case failClosed = "fail_closed", failOpen = "fail_open" }
        let m = try decoder("a: fail_closd\nb: fail_open\nc: maybe").mapping()
        #expect(decodeError { _ = try m.required("a").choice(Policy.self) } == "t.yaml:1:4: unknown value 'fail_closd' (did you mean 'fail_closed'?)")
        #expect(try m.required("b").choice(Policy.self) == .failOpen)
        #expect(decodeError { _ = try m.required("c").choice(["x", "y"]) } == "t.yaml:3:4: unknown value 'maybe'; expected one of: x, y")
    }

    /// An empty section reads as an empty mapping; a scalar where a mapping belongs does not.
    @Test func emptySection() throws {
        let m = try decoder("budgets:\n").mapping(allowedKeys: ["budgets"])
        let budgets = try m.required("budgets", allowNull: true)
        #expect(try budgets.mapping(allowedKeys: ["daily"]).keys.isEmpty)
    }

    /// Edit distance and the suggestion threshold.
    @Test func editDistance() {
        #expect(EditDistance.distance("kitten", "sitting") == 3)
        #expect(EditDistance.distance("", "abc") == 3)
        #expect(EditDistance.suggestion(for: "upstrem", in: ["upstream", "listen"]) == "upstream")
        #expect(EditDistance.suggestion(for: "Listen", in: ["upstream", "listen"]) == "listen")
        #expect(EditDistance.suggestion(for: "zzz", in: ["upstream", "listen"]) == nil)
    }
}

extension ConfigMapping {
    /// `required` that tolerates an empty value, for sections that may be left empty.
    func required(_ key: String, allowNull: Bool) throws(ConfigDecodeError) -> ConfigDecoder {
        if allowNull, let v = self[key] { return v }
        return try required(key)
    }
}


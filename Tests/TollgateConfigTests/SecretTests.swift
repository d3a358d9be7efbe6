import Testing
@testable import TollgateConfig

struct SecretTests {
    /// `${NAME}` resolves from the environment anywhere in the string.
    @Test func environmentReference() throws {
        let d = try decoder("key: ${OPENAI_API_KEY}\nurl: https://${HOST}:8443/v1", env: ["OPENAI_API_KEY": "sk-123", "HOST": "api.example"])
        let m = try d.mapping()
        #expect(try m.required("key").secret().reveal() == "sk-123")
        #expect(try m.required("url").interpolatedString() == "https://api.example:8443/v1")
        #expect(try m.required("url").string() == "https://${HOST}:8443/v1")
    }

    /// An unset variable is an error naming the variable and the place, never a value.
    @Test func unsetVariable() throws {
        let d = try decoder("providers:\n  openai:\n    api_key: \"Bearer ${OPENAI_API_KEY}\"\n", env: ["OTHER": "s3cr3t"])
        let e = decodeError {
            _ = try d.mapping().required("providers").mapping().required("openai").mapping().required("api_key").secret()
        }
        #expect(e == "t.yaml:3:14: environment variable 'OPENAI_API_KEY' is not set (write '${OPENAI_API_KEY:-default}' for a default)")
        #expect(!e.contains("s3cr3t"))
    }

    /// `${NAME:-default}` uses the default when unset or empty, the value when set.
    @Test func defaults() throws {
        let r = SecretResolver(environment: ["SET": "v", "EMPTY": ""])
        let at = SourceLocation(file: "t.yaml", line: 1, column: 1)
        #expect(try r.interpolate("${SET:-d}", at: at) == "v")
        #expect(try r.interpolate("${UNSET:-d}", at: at) == "d")
        #expect(try r.interpolate("${EMPTY:-d}", at: at) == "d")
        #expect(try r.interpolate("${EMPTY}", at: at) == "")
        #expect(try r.interpolate("${UNSET:-}x", at: at) == "x")
        #expect(try r.interpolate("a$$b $x ${SET}${SET}$", at: at) == "a$b $x vv$")
    }

    /// Malformed references are errors at the value's location.
    @Test func malformedReferences() throws {
        let r = SecretResolver(environment: [:])
        let at = SourceLocation(file: "t.yaml", line: 2, column: 5)
        #expect(decodeError { _ = try r.interpolate("${OPEN", at: at) } == "t.yaml:2:5: unterminated '${' reference; expected '}'")
        #expect(decodeError { _ = try r.interpolate("${A-B}", at: at) } == "t.yaml:2:5: invalid environment variable name 'A-B' in '${...}'")
        #expect(decodeError { _ = try r.interpolate("${}", at: at) } == "t.yaml:2:5: invalid environment variable name '' in '${...}'")
    }

    /// `file:/path` reads the file and trims one trailing newline.
    @Test func fileReference() throws {
        let d = try decoder(
            "a: file:/run/secrets/openai\nb: file:/run/secrets/two\nc: file:${DIR}/openai",
            env: ["DIR": "/run/secrets"],
            files: ["/run/secrets/openai": "sk-file\n", "/run/secrets/two": "x\n\n"])
        let m = try d.mapping()
        #expect(try m.required("a").secret().reveal() == "sk-file")
        #expect(try m.required("b").secret().reveal() == "x\n")
        #expect(try m.required("c").secret().reveal() == "sk-file")
    }

    /// Unreadable, relative and empty secret files are errors naming the file only.
    @Test func fileErrors() throws {
        let d = try decoder("a: file:/nope\nb: file:relative/path\nc: file:/empty\nd: ''", files: ["/empty": "\n"])
        let m = try d.mapping()
        #expect(decodeError { _ = try m.required("a").secret() } == "t.yaml:1:4: cannot read secret file '/nope': No such file or directory")
        #expect(decodeError { _ = try m.required("b").secret() } == "t.yaml:2:4: secret file path 'relative/path' must be absolute")
        #expect(decodeError { _ = try m.required("c").secret() } == "t.yaml:3:4: secret file '/empty' is empty")
        #expect(decodeError { _ = try m.required("d").secret() } == "t.yaml:4:4: secret value is empty")
    }

    /// The real disk reader reports errno text.
    @Test func diskReader() {
        let r = SecretResolver(environment: [:])
        let at = SourceLocation(file: "t.yaml", line: 1, column: 1)
        #expect(decodeError { _ = try r.resolve("file:/nonexistent/tollgate-test", at: at) }
            == "t.yaml:1:1: cannot read secret file '/nonexistent/tollgate-test': No such file or directory")
        #expect(decodeError { _ = try r.resolve("file:/", at: at) } == "t.yaml:1:1: cannot read secret file '/': is a directory")
    }

    /// A secret never prints its value: interpolation, print, dump, reflection.
    @Test func redaction() {
        struct Provider { var name: String; var key: Secret }
        let p = Provider(name: "openai", key: Secret("sk-live-123"))
        var dumped = ""
        dump(p, to: &dumped)
        for text in ["\(p.key)", String(describing: p.key), String(reflecting: p.key), "\(p)", String(reflecting: p), dumped, "\([p.key])"] {
            #expect(!text.contains("sk-live"), "\(text)")
        }
        #expect("\(p.key)" == "<secret>")
        #expect(String(reflecting: p.key) == "<secret>")
        #expect(p.key.reveal() == "sk-live-123")
    }

    /// Secret equality compares values.
    @Test func equality() {
        #expect(Secret("a") == Secret("a"))
        #expect(Secret("a") != Secret("b"))
        #expect(Secret("a") != Secret("ab"))
        #expect(Secret("") == Secret(""))
    }

    /// Without a resolver, secrets and references are refused rather than passed through raw.
    @Test func noResolver() throws {
        let d = ConfigDecoder(try parse("a: ${X}"))
        #expect(decodeError { _ = try d.mapping().required("a").interpolatedString() } == "t.yaml:1:4: '${...}' references are not available here")
        #expect(decodeError { _ = try d.mapping().required("a").secret() } == "t.yaml:1:4: secret references cannot be resolved here (no resolver)")
    }

    /// The process environment is read.
    @Test func systemEnvironment() {
        #expect(SecretResolver.system().environment["PATH"] != nil)
    }
}

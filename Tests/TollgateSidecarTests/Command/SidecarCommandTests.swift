import Testing
@testable import TollgateSidecar

struct SidecarCommandTests {
    /// The quick-start flags parse into options.
    @Test func parsesFlags() throws {
        let o = try SidecarCommand.parse(["--listen", "127.0.0.1:8787", "--upstream", "http://127.0.0.1:18000", "--admin", "127.0.0.1:9901",
                                          "--threads", "3", "--idle-timeout=500ms", "--body-timeout", "2m", "--max-body-bytes", "1024", "--upstream-h2"])
        #expect(o.listen.port == 8787)
        #expect(o.admin?.port == 9901)
        #expect(o.upstream?.port == 18000)
        #expect(o.threads == 3)
        #expect(o.idleTimeout == 0.5)
        #expect(o.bodyTimeout == 120)
        #expect(o.maxBodyBytes == 1024)
        #expect(o.upstreamH2)
    }

    /// Unknown flags, missing values and bad numbers are errors that name the flag.
    @Test func refusesBadFlags() {
        #expect(throws: ConfigError("unknown option --bogus (see tollgate sidecar --help)")) { try SidecarCommand.parse(["--bogus"]) }
        #expect(throws: ConfigError("--listen needs a value")) { try SidecarCommand.parse(["--listen"]) }
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--threads", "0"]) }
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--idle-timeout", "-1"]) }
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--listen", "nope"]) }
    }
}

import Foundation
import Testing
@testable import TollgateSidecar

struct SidecarCommandDurabilityTests {
    /// --data-dir, --wal-sync-interval and --admin-token land in the options.
    @Test func parsesDurabilityFlags() throws {
        let o = try SidecarCommand.parse(["--data-dir", "/var/lib/tollgate", "--wal-sync-interval", "5ms",
                                          "--admin-token", "0123456789abcdef-token"])
        #expect(o.dataDir == "/var/lib/tollgate")
        #expect(abs(o.walSyncInterval - 0.005) < 1e-12)
        #expect(o.adminToken == "0123456789abcdef-token")
        let d = try SidecarCommand.parse([])
        #expect(d.dataDir == nil && d.adminToken == nil)
        #expect(d.walSyncInterval > 0 && d.walSyncInterval < 0.01)
    }

    /// Sync intervals: seconds, ms, us and 0; negative, huge or garbage values are refused.
    @Test func walSyncIntervalForms() throws {
        #expect(try SidecarCommand.walSyncInterval("0") == 0)
        #expect(abs(try SidecarCommand.walSyncInterval("500us") - 0.0005) < 1e-12)
        #expect(abs(try SidecarCommand.walSyncInterval("0.01") - 0.01) < 1e-12)
        #expect(try SidecarCommand.walSyncInterval("1s") == 1)
        for bad in ["-1ms", "2s", "abc", "", "nan", "5m"] {
            #expect(throws: ConfigError.self, "\(bad)") { try SidecarCommand.walSyncInterval(bad) }
        }
    }

    /// The token file's surrounding whitespace is ignored; short, empty or spaced tokens and
    /// missing files are errors that do not echo the token.
    @Test func adminTokenFile() throws {
        let path = NSTemporaryDirectory() + "tollgate-token-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "  s3cret-admin-token-value\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try SidecarCommand.parse(["--admin-token-file", path]).adminToken == "s3cret-admin-token-value")
        try "\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--admin-token-file", path]) }
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--admin-token-file", path + ".missing"]) }
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--admin-token", "short"]) }
        do {
            _ = try SidecarCommand.parse(["--admin-token", "has a space in the token"])
            Issue.record("accepted a token with spaces")
        } catch {
            #expect(!error.description.contains("has a space"))
        }
        #expect(throws: ConfigError.self) { try SidecarCommand.parse(["--data-dir", ""]) }
    }
}

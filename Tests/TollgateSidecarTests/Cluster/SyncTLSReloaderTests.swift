import Foundation
import Testing
@testable import TollgateSidecar

struct SyncTLSReloaderTests {
    func tempFiles() throws -> (cert: String, key: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cert = dir.appendingPathComponent("tls.crt").path, key = dir.appendingPathComponent("tls.key").path
        try "cert v1".write(toFile: cert, atomically: true, encoding: .utf8)
        try "key v1".write(toFile: key, atomically: true, encoding: .utf8)
        return (cert, key)
    }

    /// Files are looked at no more than every interval, and a build is tried only when they changed.
    @Test func buildsOnlyAfterAChange() throws {
        let (cert, key) = try tempFiles()
        var s = SyncTLSSettings()
        s.certificateFile = cert
        s.keyFile = key
        let t0: UInt64 = 1 << 40
        var r = SyncTLSReloader(settings: s, now: t0)
        var builds = 0
        let count: (SyncTLSSettings) throws(ConfigError) -> Int? = { (_) throws(ConfigError) -> Int? in builds += 1; return nil }
        _ = r.check(now: t0, build: count)
        #expect(builds == 0)
        try "cert v2, longer".write(toFile: cert, atomically: true, encoding: .utf8)
        _ = r.check(now: t0 &+ 1, build: count)
        #expect(builds == 0, "not before the interval")
        _ = r.check(now: t0 &+ SyncTLSReloader.intervalNanos * 3, build: count)
        #expect(builds == 1)
    }

    /// A change that fails to load is not retried until the files change again.
    @Test func failedLoadWaitsForTheNextChange() throws {
        let (cert, key) = try tempFiles()
        var s = SyncTLSSettings()
        s.certificateFile = cert
        s.keyFile = key
        var now: UInt64 = 1 << 40
        var r = SyncTLSReloader(settings: s, now: now)
        var builds = 0
        let failing: (SyncTLSSettings) throws(ConfigError) -> Int? = { (_) throws(ConfigError) -> Int? in builds += 1; throw ConfigError("half written") }
        try "key v2, longer".write(toFile: key, atomically: true, encoding: .utf8)
        for _ in 0..<3 {
            now += SyncTLSReloader.intervalNanos * 2
            _ = r.check(now: now, build: failing)
        }
        #expect(builds == 1)
        try "cert v2, longer".write(toFile: cert, atomically: true, encoding: .utf8)
        now += SyncTLSReloader.intervalNanos * 2
        _ = r.check(now: now, build: failing)
        #expect(builds == 2)
    }
}

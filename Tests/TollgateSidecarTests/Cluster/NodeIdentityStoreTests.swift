import Foundation
import Testing
@testable import TollgateSidecar

struct NodeIdentityStoreTests {
    static func tempDir() -> String {
        let d = NSTemporaryDirectory() + "tollgate-node-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// The flag wins over the environment; without a data dir the epoch is the start time.
    @Test func flagThenEnvironment() throws {
        let a = try NodeIdentityStore.resolve(flag: "pod-a", env: "pod-b", dataDir: nil, wallMillis: 42, random: { 7 })
        #expect((a.nodeID, a.epoch) == ("pod-a", 42))
        let b = try NodeIdentityStore.resolve(flag: nil, env: "pod-b", dataDir: nil, wallMillis: 43, random: { 7 })
        #expect(b.nodeID == "pod-b")
        #expect(throws: ConfigError.self) { try NodeIdentityStore.resolve(flag: "has space", env: nil, dataDir: nil, wallMillis: 1, random: { 1 }) }
    }

    /// A generated id is kept in the data dir and the epoch grows by one per start.
    @Test func generatedIDKeptAndEpochBumped() throws {
        let d = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let first = try NodeIdentityStore.resolve(flag: nil, env: nil, dataDir: d, wallMillis: 99, random: { 0xabc })
        #expect(first.nodeID == "node-0000000000000abc")
        #expect(first.epoch == 1)
        let second = try NodeIdentityStore.resolve(flag: nil, env: nil, dataDir: d, wallMillis: 100, random: { 0xdef })
        #expect(second.nodeID == first.nodeID)
        #expect(second.epoch == 2)
        #expect(try String(contentsOfFile: d + "/epoch", encoding: .utf8) == "2\n")
    }
}

import Foundation
import Testing
@testable import TollgateSidecar

struct ConfigFileWatcherTests {
    private func poll(_ w: inout ConfigFileWatcher, _ expected: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        let changed = w.changed()
        #expect(changed == expected, sourceLocation: sourceLocation)
    }

    private func tempFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "tollgate-watch-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A change counts only once two polls read the same new contents (a half-written file is not reloaded).
    @Test func changeNeedsTwoMatchingPolls() throws {
        let path = try tempFile("a: 1\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var w = ConfigFileWatcher(path: path)
        poll(&w, false)
        try "a: 1\nb: 2\n".write(toFile: path, atomically: false, encoding: .utf8)
        poll(&w, false)
        try "a: 1\nb: 2\nc: 3\n".write(toFile: path, atomically: false, encoding: .utf8)
        poll(&w, false)
        poll(&w, true)
        w.acceptCurrent()
        poll(&w, false)
    }

    /// Contents that return to the accepted ones are no change; a missing file is no change.
    @Test func revertAndMissingAreNoChange() throws {
        let path = try tempFile("a: 1\n")
        var w = ConfigFileWatcher(path: path)
        try "a: 2\n".write(toFile: path, atomically: false, encoding: .utf8)
        poll(&w, false)
        try "a: 1\n".write(toFile: path, atomically: false, encoding: .utf8)
        poll(&w, false)
        poll(&w, false)
        try FileManager.default.removeItem(atPath: path)
        poll(&w, false)
        poll(&w, false)
    }
}

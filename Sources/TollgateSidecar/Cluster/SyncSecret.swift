import Glibc
import TollgateSync

/// The shared HMAC secret for the sync wire format, from a file (first line, trimmed) or a
/// flag. Without one, a fixed development secret is used and a warning logged: frames are then
/// only checked for integrity, not for origin.
enum SyncSecret {
    static let development: [UInt8] = Array("tollgate-development-sync-secret".utf8)

    static func load(file: String?, literal: String?) throws(ConfigError) -> [UInt8]? {
        if let literal {
            guard !literal.isEmpty else { throw ConfigError("--sync-secret must not be empty") }
            return Array(literal.utf8)
        }
        guard let file else { return nil }
        guard let bytes = ClusterFiles.read(file, max: 4096) else { throw ConfigError("--sync-secret-file: cannot read \(file)") }
        var text = Array(bytes.prefix { $0 != 10 && $0 != 13 })
        while text.last == 32 || text.last == 9 { text.removeLast() }
        guard !text.isEmpty else { throw ConfigError("--sync-secret-file: \(file) is empty") }
        return text
    }

    static func keyring(_ secret: [UInt8]?) -> WireKeyring {
        if secret == nil { Log.warning("no --sync-secret-file: using the development sync secret (set one in production)") }
        return WireKeyring(keyID: 1, secret: secret ?? development)
    }
}

/// Small whole-file reads and writes for the node id, epoch and secret files.
enum ClusterFiles {
    static func read(_ path: String, max: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < max {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            out += buf[0..<n]
        }
        return out
    }

    /// Writes via a temporary file and rename, so a crash never leaves a torn file.
    @discardableResult
    static func write(_ path: String, _ bytes: [UInt8]) -> Bool {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        // Durable means written and synced: the WAL's spend ceilings are confirmed on this.
        let ok = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count && fsync(fd) == 0
        close(fd)
        return ok && rename(tmp, path) == 0
    }

    static func readText(_ path: String) -> String? {
        read(path, max: 1024).map { String(decoding: $0.prefix { $0 != 10 && $0 != 13 }, as: UTF8.self) }
    }
}

import TollgateConfig

/// Notices that the configuration file changed (a ConfigMap update swaps a symlink; an editor
/// rewrites the file) by hashing its contents: mtimes lie across symlink swaps, and the file is
/// small. A change counts once two polls in a row read the same new contents: a file being
/// rewritten in place can be read half-written, and a truncated file can still parse (fewer
/// servers, fewer keys). Used from the signal thread only.
struct ConfigFileWatcher {
    let path: String
    private var lastHash: String?
    /// New contents seen by the last poll, waiting for a second poll to confirm them.
    private var pendingHash: String?

    init(path: String) {
        self.path = path
        lastHash = Self.hash(path)
    }

    static func hash(_ path: String) -> String? {
        guard case .contents(let bytes) = ConfigFileReader.contents(ofFile: path, limit: ConfigSource.maxFileSize) else { return nil }
        return ConfigSource.contentHash(of: bytes)
    }

    /// Whether the contents differ from the last accepted ones and have stayed the same since
    /// the previous poll. A missing file (mid-swap) is not a change.
    mutating func changed() -> Bool {
        guard let h = Self.hash(path), h != lastHash else {
            pendingHash = nil
            return false
        }
        defer { pendingHash = h }
        return h == pendingHash
    }

    mutating func accept(hash: String) {
        lastHash = hash
        pendingHash = nil
    }
    mutating func acceptCurrent() { lastHash = Self.hash(path) ?? lastHash }
}

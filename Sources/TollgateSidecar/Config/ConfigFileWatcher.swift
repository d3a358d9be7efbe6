import TollgateConfig

/// Notices that the configuration file changed (a ConfigMap update swaps a symlink; an editor
/// rewrites the file) by hashing its contents: mtimes lie across symlink swaps, and the file is
/// small. Used from the signal thread only.
struct ConfigFileWatcher {
    let path: String
    private var lastHash: String?

    init(path: String) {
        self.path = path
        lastHash = Self.hash(path)
    }

    static func hash(_ path: String) -> String? {
        guard case .contents(let bytes) = ConfigFileReader.contents(ofFile: path, limit: ConfigSource.maxFileSize) else { return nil }
        return ConfigSource.contentHash(of: bytes)
    }

    /// Whether the contents differ from the last accepted ones. A missing file (mid-swap) is
    /// not a change.
    func changed() -> Bool {
        guard let h = Self.hash(path) else { return false }
        return h != lastHash
    }

    mutating func accept(hash: String) { lastHash = hash }
    mutating func acceptCurrent() { lastHash = Self.hash(path) ?? lastHash }
}

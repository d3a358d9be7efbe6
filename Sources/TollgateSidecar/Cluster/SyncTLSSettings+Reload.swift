import Glibc
import TollgateTransport

extension SyncTLSSettings {
    /// Identity of the certificate, key and CA files as they are now (inode, size, mtime): a
    /// rotation (cert-manager renewing, a Secret volume swapping its symlink) changes it.
    func filesFingerprint() -> [Int64] {
        var out: [Int64] = []
        for path in [certificateFile, keyFile, clientCAFile, coordinatorCAFile] {
            var st = stat()
            guard let path, stat(path, &st) == 0 else {
                out += [-1, -1, -1, -1]
                continue
            }
            out += [Int64(st.st_ino), Int64(st.st_size), Int64(st.st_mtim.tv_sec), Int64(st.st_mtim.tv_nsec)]
        }
        return out
    }
}

/// Watches the sync TLS files and builds a fresh context when they change, so a rotated
/// certificate is used for new connections without a restart (existing ones keep theirs). A
/// rotation caught half-written (key not matching the certificate yet) keeps the old context
/// and is tried again at the next check.
struct SyncTLSReloader {
    let settings: SyncTLSSettings
    private var fingerprint: [Int64]
    private var checkedAt: UInt64 = 0
    private var failedFingerprint: [Int64]? = nil

    static let intervalNanos: UInt64 = 5_000_000_000

    init(settings: SyncTLSSettings, now: UInt64 = MonotonicClock.now()) {
        self.settings = settings
        fingerprint = settings.filesFingerprint()
        checkedAt = now
    }

    /// At most every 5 s: a new context when the files changed and load, else nil.
    mutating func check<Context>(now: UInt64, build: (SyncTLSSettings) throws(ConfigError) -> Context?) -> Context? {
        guard now >= checkedAt, now - checkedAt >= Self.intervalNanos else { return nil }
        checkedAt = now
        let current = settings.filesFingerprint()
        guard current != fingerprint, current != failedFingerprint else { return nil }
        do {
            guard let context = try build(settings) else { return nil }
            fingerprint = current
            failedFingerprint = nil
            Log.info("sync TLS: certificate files changed; new connections use them")
            return context
        } catch {
            failedFingerprint = current
            Log.warning("sync TLS: certificate files changed but do not load (keeping the previous ones): \(error)")
            return nil
        }
    }
}

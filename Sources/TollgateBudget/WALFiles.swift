#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An I/O failure of the WAL, with the errno that caused it.
public struct WALError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case createDirectory = "create_directory"
        case open, read, write, sync, truncate, list, remove
        case closed
        /// Another process holds the directory's lock (two writers would interleave records).
        case locked
    }

    public var code: Code
    public var path: String
    public var errno: Int32

    public init(_ code: Code, _ path: String, errno: Int32 = 0) {
        self.code = code; self.path = path; self.errno = errno
    }

    public var description: String {
        if code == .locked { return "WAL directory \(path) is in use by another process (it holds \(path)/LOCK)" }
        return "WAL \(code.rawValue) failed for \(path): \(errno == 0 ? "-" : String(cString: strerror(errno)))"
    }
}

/// Thin Glibc file operations for the WAL: the only place that touches the disk. Segment files
/// are named `wal-<20-digit number>.seg`, so lexical order is segment order.
enum WALFiles {
    static func segmentName(_ n: UInt64) -> String {
        let digits = String(n)
        return "wal-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    static func segmentNumber(_ name: String) -> UInt64? {
        guard name.hasPrefix("wal-"), name.hasSuffix(".seg") else { return nil }
        return UInt64(name.dropFirst(4).dropLast(4))
    }

    static func ensureDirectory(_ path: String) throws(WALError) {
        var partial = path.hasPrefix("/") ? "" : "."
        for piece in path.split(separator: "/") {
            partial += "/" + piece
            if mkdir(partial, 0o755) != 0 && errno != EEXIST {
                throw WALError(.createDirectory, partial, errno: errno)
            }
        }
    }

    /// Segment numbers present in `dir`, ascending.
    static func listSegments(_ dir: String) throws(WALError) -> [UInt64] {
        guard let d = opendir(dir) else { throw WALError(.list, dir, errno: errno) }
        defer { closedir(d) }
        var out: [UInt64] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let n = segmentNumber(name) { out.append(n) }
        }
        return out.sorted()
    }

    /// Takes an exclusive lock on `dir/LOCK` for as long as the returned descriptor stays open
    /// (released by the kernel when the process dies, so kill -9 leaves no stale lock).
    static func lockDirectory(_ dir: String) throws(WALError) -> Int32 {
        let path = dir + "/LOCK"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WALError(.open, path, errno: errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(fd)
            throw e == EWOULDBLOCK ? WALError(.locked, dir, errno: e) : WALError(.open, path, errno: e)
        }
        return fd
    }

    static func readAll(_ path: String) throws(WALError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw WALError(.open, path, errno: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw WALError(.read, path, errno: errno)
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    static func openAppend(_ path: String) throws(WALError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WALError(.open, path, errno: errno) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(WALError) {
        var at = 0
        while at < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + at, $0.count - at) }
            if n < 0 {
                if errno == EINTR { continue }
                throw WALError(.write, path, errno: errno)
            }
            at += n
        }
    }

    static func sync(_ fd: Int32, path: String) throws(WALError) {
        if fdatasync(fd) != 0 { throw WALError(.sync, path, errno: errno) }
    }

    /// Makes file creations and deletions in `dir` durable.
    static func syncDirectory(_ dir: String) throws(WALError) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw WALError(.open, dir, errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw WALError(.sync, dir, errno: errno) }
    }

    static func truncate(_ path: String, to length: Int) throws(WALError) {
        if Glibc.truncate(path, off_t(length)) != 0 { throw WALError(.truncate, path, errno: errno) }
    }

    static func remove(_ path: String) throws(WALError) {
        if unlink(path) != 0 && errno != ENOENT { throw WALError(.remove, path, errno: errno) }
    }
}

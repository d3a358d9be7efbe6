#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file with a size cap, reporting failures as errno text. Used for the
/// configuration file itself and for `file:` secrets; plain POSIX calls so the reason
/// ("No such file or directory", "Permission denied") reaches the operator.
public enum ConfigFileReader {
    public enum Outcome {
        case contents([UInt8])
        case failure(String)
    }

    public static func contents(ofFile path: String, limit: Int) -> Outcome {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            return .failure("is a directory")
        }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(String(cString: strerror(errno)))
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            // A cap so that a path to /dev/zero or a huge log does not exhaust memory.
            if out.count > limit { return .failure("larger than \(limit) bytes") }
        }
        return .contents(out)
    }

    /// The process environment, read from `environ` (no Foundation needed).
    static func processEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        let start: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        guard var p = start else { return env }
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                env[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        return env
    }
}

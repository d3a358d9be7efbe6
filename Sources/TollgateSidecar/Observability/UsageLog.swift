import Dispatch
import Glibc
import Synchronization
import TollgateLLM

/// Writes usage records as JSON lines to a file (or stdout with "-"), rotating by size. Loops
/// only append to an in-memory buffer under a short lock; a Dispatch timer writes it out every
/// 100 ms (slow work stays off the event loops).
final class UsageLog: Sendable {
    let path: String
    let maxBytes: Int64
    private let state = Mutex<State>(State())
    nonisolated(unsafe) private let timer: any DispatchSourceTimer  // set once in init, then only Dispatch touches it
    private let queue = DispatchQueue(label: "tollgate.usage-log")

    private struct State {
        var buffer: [UInt8] = []
        var fd: Int32 = -1
        var written: Int64 = 0
        var dropped: Int = 0
        /// Dropped since the last flush reported them.
        var unreported: Int = 0
    }

    init(path: String, maxBytes: Int64 = 64 << 20) throws(ConfigError) {
        self.path = path
        self.maxBytes = maxBytes
        let fd = try UsageLog.open(path)
        var st = stat()
        let size: Int64 = (path != "-" && fstat(fd, &st) == 0) ? Int64(st.st_size) : 0
        state.withLock { $0.fd = fd; $0.written = size }
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [self] in self.flush() }
        timer.resume()
    }

    private static func open(_ path: String) throws(ConfigError) -> Int32 {
        if path == "-" { return 1 }
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ConfigError("--usage-log \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Appends one line (already newline-terminated). Bounded: a stuck disk drops, never grows.
    func append(_ line: [UInt8]) {
        line.withUnsafeBytes { enqueue($0) }
    }

    /// Appends one record's line: written in scratch and copied into the buffer under the
    /// lock, with no array made per record (the line array and its copy cost ~700
    /// instructions a record).
    func append(_ record: UsageRecord) {
        record.withJSONLine(newline: true) { line in enqueue(line) }
    }

    /// Copies one line into the buffer. Bounded: a stuck disk drops, never grows.
    private func enqueue(_ line: UnsafeRawBufferPointer) {
        state.withLock { s in
            if s.buffer.count > 16 << 20 {
                s.dropped += 1
                s.unreported += 1
                return
            }
            s.buffer.append(contentsOf: line)
        }
    }

    /// Records dropped because writes stalled (also on /metrics).
    var droppedTotal: Int { state.withLock { $0.dropped } }

    /// Writes what is buffered (also called at shutdown).
    func flush() {
        let (bytes, fd, dropped) = state.withLock { s -> ([UInt8], Int32, Int) in
            let b = s.buffer
            s.buffer.removeAll(keepingCapacity: true)
            let d = s.unreported
            s.unreported = 0
            return (b, s.fd, d)
        }
        // Never silent: a disk that stalls long enough to fill 16 MiB of records is reported.
        if dropped > 0 { Log.error("usage log \(path): \(dropped) records dropped (writes stalled with 16 MiB buffered)") }
        guard !bytes.isEmpty, fd >= 0 else { return }
        var off = 0
        bytes.withUnsafeBytes { p in
            while off < p.count {
                let n = write(fd, p.baseAddress! + off, p.count - off)
                if n <= 0 { if errno == EINTR { continue }; break }
                off += n
            }
        }
        rotateIfNeeded(added: Int64(off))
    }

    private func rotateIfNeeded(added: Int64) {
        guard path != "-" else { return }
        let rotate = state.withLock { s -> Bool in
            s.written += added
            return s.written >= maxBytes
        }
        guard rotate else { return }
        // Keep one previous file: path.1.
        _ = rename(path, path + ".1")
        if let fd = try? UsageLog.open(path) {
            state.withLock { s in
                close(s.fd)
                s.fd = fd
                s.written = 0
            }
        }
    }
}

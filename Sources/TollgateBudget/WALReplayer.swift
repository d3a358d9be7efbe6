/// Reads records back from WAL bytes. Pure: feed bytes (all at once or in pieces), get records.
/// It stops for good at the first frame that is incomplete (a torn write) or fails its CRC or
/// decoding (corruption): everything from there on is reported as truncated, never trusted and
/// never a crash. `validBytes` is where the file should be cut.
public struct WALReplayer: Sendable {
    public enum Stop: Sendable, Equatable {
        /// Every byte fed formed whole records.
        case clean
        /// The last frame is incomplete: a write cut short by a crash.
        case tornTail
        /// A frame failed its check: bad length, CRC mismatch, or a payload that does not decode.
        case corrupt(String)
    }

    public struct Report: Sendable, Equatable {
        public var records: Int
        /// Bytes of whole, checked records from the start of what was fed.
        public var validBytes: Int
        /// Bytes after `validBytes` that were dropped.
        public var truncatedBytes: Int
        public var stop: Stop
    }

    private var buffer: [UInt8] = []
    private var consumed = 0
    private var records = 0
    private var failure: String?
    private var dropped = 0

    public init() {}

    /// Appends `bytes` and returns the records now complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [WALRecord] {
        if failure != nil {
            dropped += Array(bytes).count
            return []
        }
        buffer.append(contentsOf: bytes)
        var out: [WALRecord] = []
        var at = 0
        var failure: String?
        buffer.withUnsafeBytes { buf in
            while buf.count - at >= WALRecord.frameHeaderSize {
                let length = Int(UInt32(buf[at]) | UInt32(buf[at + 1]) << 8 | UInt32(buf[at + 2]) << 16 | UInt32(buf[at + 3]) << 24)
                guard length >= 1, length <= WALRecord.maxPayload else {
                    failure = "bad length \(length)"
                    return
                }
                guard buf.count - at - WALRecord.frameHeaderSize >= length else { return }
                let crc = UInt32(buf[at + 4]) | UInt32(buf[at + 5]) << 8 | UInt32(buf[at + 6]) << 16 | UInt32(buf[at + 7]) << 24
                let payload = UnsafeRawBufferPointer(rebasing: buf[(at + 8)..<(at + 8 + length)])
                let actual = CRC32C.update(CRC32C.update(0, UnsafeRawBufferPointer(rebasing: buf[at..<at + 4])), payload)
                guard actual == crc else {
                    failure = "crc mismatch"
                    return
                }
                do throws(WALDecodeError) {
                    out.append(try WALRecord.decode(payload: payload))
                } catch {
                    failure = "undecodable payload (\(error.code.rawValue))"
                    return
                }
                at += WALRecord.frameHeaderSize + length
            }
        }
        self.failure = failure
        consumed += at
        records += out.count
        buffer.removeFirst(at)
        if failure != nil {
            dropped += buffer.count
            buffer = []
        }
        return out
    }

    /// How replay ended; call after the last `feed`.
    public func finish() -> Report {
        if let failure {
            return Report(records: records, validBytes: consumed, truncatedBytes: dropped, stop: .corrupt(failure))
        }
        return Report(records: records, validBytes: consumed, truncatedBytes: buffer.count,
                      stop: buffer.isEmpty ? .clean : .tornTail)
    }

    /// Replays a whole buffer.
    public static func replay(_ bytes: some Sequence<UInt8>) -> (records: [WALRecord], report: Report) {
        var r = WALReplayer()
        let records = r.feed(bytes)
        return (records, r.finish())
    }
}

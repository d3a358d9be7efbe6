/// One server-sent event (WHATWG HTML 9.2), with the exact bytes it arrived as.
public struct SSEEvent: Sendable, Equatable {
    /// The exact bytes of this event as received, including its terminating blank line, so a
    /// proxy can forward byte-identically. (When a CR ended one feed and its LF started the next,
    /// that LF opens the next event's `raw`; concatenating every `raw` gives back the stream.)
    public let raw: [UInt8]
    /// The last "event:" field.
    public var event: String?
    /// At least one "data" field was present.
    public var hasData: Bool
    /// The last "id:" field of this event (values containing NUL are ignored, per the spec).
    public var id: String?
    /// The last "retry:" field made only of ASCII digits.
    public var retry: Int?
    /// Only ":" comment lines (keep-alives), at least one of them.
    public var isCommentOnly: Bool

    /// Where the data is: a single "data:" line is a range of `raw` (no copy, no String per
    /// event: most consumers read the bytes, and a stream has thousands of events); several
    /// lines are joined once.
    enum DataStorage: Sendable {
        case inRaw(Range<Int>)
        case joined([UInt8])
    }
    let dataStorage: DataStorage

    public init(raw: [UInt8], event: String? = nil, data: String = "", hasData: Bool = false, id: String? = nil, retry: Int? = nil, isCommentOnly: Bool = false) {
        self.init(raw: raw, event: event, dataStorage: data.isEmpty ? .inRaw(0..<0) : .joined(Array(data.utf8)), hasData: hasData,
                  id: id, retry: retry, isCommentOnly: isCommentOnly)
    }

    init(raw: [UInt8], event: String?, dataStorage: DataStorage, hasData: Bool, id: String?, retry: Int?, isCommentOnly: Bool) {
        self.raw = raw
        self.event = event
        self.dataStorage = dataStorage
        self.hasData = hasData
        self.id = id
        self.retry = retry
        self.isCommentOnly = isCommentOnly
    }

    /// "data:" lines joined with "\n" (one leading space after the colon stripped).
    public var data: String {
        switch dataStorage {
        case .inRaw(let r): return String(decoding: raw[r], as: UTF8.self)
        case .joined(let b): return String(decoding: b, as: UTF8.self)
        }
    }

    /// The data bytes' range in `raw` when the event has one "data:" line (or none), else nil.
    public var dataRangeInRaw: Range<Int>? {
        if case .inRaw(let r) = dataStorage { return r }
        return nil
    }

    /// The type a browser would dispatch: `event`, or "message" when absent or empty.
    public var type: String {
        if let event, !event.isEmpty { return event }
        return "message"
    }

    public static func == (a: SSEEvent, b: SSEEvent) -> Bool {
        a.raw == b.raw && a.event == b.event && a.hasData == b.hasData && a.id == b.id && a.retry == b.retry
            && a.isCommentOnly == b.isCommentOnly
            && a.data == b.data
    }
}

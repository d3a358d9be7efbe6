/// One server-sent event (WHATWG HTML 9.2), with the exact bytes it arrived as.
public struct SSEEvent: Sendable, Equatable {
    /// The exact bytes of this event as received, including its terminating blank line, so a
    /// proxy can forward byte-identically. (When a CR ended one feed and its LF started the next,
    /// that LF opens the next event's `raw`; concatenating every `raw` gives back the stream.)
    public var raw: [UInt8]
    /// The last "event:" field.
    public var event: String?
    /// "data:" lines joined with "\n" (one leading space after the colon stripped).
    public var data: String
    /// At least one "data" field was present.
    public var hasData: Bool
    /// The last "id:" field of this event (values containing NUL are ignored, per the spec).
    public var id: String?
    /// The last "retry:" field made only of ASCII digits.
    public var retry: Int?
    /// Only ":" comment lines (keep-alives), at least one of them.
    public var isCommentOnly: Bool

    public init(raw: [UInt8], event: String? = nil, data: String = "", hasData: Bool = false, id: String? = nil, retry: Int? = nil, isCommentOnly: Bool = false) {
        self.raw = raw
        self.event = event
        self.data = data
        self.hasData = hasData
        self.id = id
        self.retry = retry
        self.isCommentOnly = isCommentOnly
    }

    /// The type a browser would dispatch: `event`, or "message" when absent or empty.
    public var type: String {
        if let event, !event.isEmpty { return event }
        return "message"
    }
}

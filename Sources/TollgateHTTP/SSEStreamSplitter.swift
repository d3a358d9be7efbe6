/// Splits a text/event-stream into events for inspection without ever holding more than
/// `maxEventBytes` of it: an event that grows past the limit is passed through as it arrives,
/// uninspected, and splitting resumes after its blank line. Every input byte comes out once,
/// in order, either in an event's `raw` or in a pass-through piece.
public struct SSEStreamSplitter: Sendable {
    var parser: SSEParser
    /// Set while an oversized event passes through.
    var skipper: SSEEventSkipper?
    /// Events passed through uninspected so far.
    public private(set) var oversizedEvents = 0

    public init(maxEventBytes: Int) {
        parser = SSEParser(maxEventBytes: maxEventBytes)
    }

    public var maxEventBytes: Int { parser.maxEventBytes }

    /// Splits `input`: complete events go to `onEvent`, bytes of oversized events to `passThrough`.
    public mutating func feed(_ input: UnsafeRawBufferPointer, onEvent: (SSEEvent) -> Void,
                              passThrough: (UnsafeRawBufferPointer) -> Void) {
        var bytes = input
        while true {
            if skipper != nil {
                guard let end = skipper!.scan(bytes) else {
                    if !bytes.isEmpty { passThrough(bytes) }
                    return
                }
                passThrough(UnsafeRawBufferPointer(rebasing: bytes[..<end]))
                parser = SSEParser(maxEventBytes: parser.maxEventBytes, continuingAfterCR: skipper!.afterCR)
                skipper = nil
                bytes = UnsafeRawBufferPointer(rebasing: bytes[end...])
                if bytes.isEmpty { return }
            }
            do {
                try parser.feed(bytes, onEvent)
                return
            } catch {
                // The only error: the event in progress outgrew the limit. What the parser held
                // of it goes first, then the rest of this input from where the parser stopped.
                oversizedEvents += 1
                var s = SSEEventSkipper()
                parser.heldBytes.withUnsafeBytes { held in
                    _ = s.scan(held)
                    if !held.isEmpty { passThrough(held) }
                }
                bytes = UnsafeRawBufferPointer(rebasing: bytes[parser.failedAtInputOffset...])
                skipper = s
            }
        }
    }

    /// End of stream: the partial trailing event, if one was being split (see `SSEParser.finish`).
    public mutating func finish() -> SSEEvent? {
        if skipper != nil {
            skipper = nil
            parser = SSEParser(maxEventBytes: parser.maxEventBytes)
            return nil
        }
        return parser.finish()
    }
}

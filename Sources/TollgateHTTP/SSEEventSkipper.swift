/// Finds where one text/event-stream event ends (its blank line) without holding its bytes:
/// an event too large to inspect is passed on as it arrives, and parsing resumes after it.
/// Line ends are LF, CRLF or CR, also split across inputs (WHATWG HTML 9.2.6).
public struct SSEEventSkipper: Sendable {
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D

    /// The previous byte ended a line (an event starts at a line start).
    var atLineStart = true
    /// The last input ended in a CR: an LF first is the rest of that line end.
    public private(set) var afterCR = false

    public init() {}

    /// Returns the offset just past the blank line that ends the event, or nil when `bytes`
    /// does not reach it. When the end is a CR at the very end of `bytes`, `afterCR` is set:
    /// an LF that starts the next input belongs to it.
    public mutating func scan(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let n = bytes.count
        var i = 0
        if afterCR && n > 0 {
            afterCR = false
            if bytes[0] == Self.lf { i = 1 }
        }
        while i < n {
            let b = bytes[i]
            guard b == Self.lf || b == Self.cr else {
                atLineStart = false
                i &+= 1
                continue
            }
            var end = i &+ 1
            if b == Self.cr {
                if i &+ 1 < n {
                    if bytes[i &+ 1] == Self.lf { end = i &+ 2 }
                } else {
                    afterCR = true
                }
            }
            if atLineStart { return end }
            atLineStart = true
            i = end
        }
        return nil
    }
}

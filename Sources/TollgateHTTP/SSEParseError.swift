/// A text/event-stream could not be split safely.
public struct SSEParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// One event (blank-line terminated) grew past the parser's `maxEventBytes`.
        case eventTooLarge
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "SSE parse error \(code.rawValue): \(message)" }
}

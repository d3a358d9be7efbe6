/// A resolved secret (API key, token, HMAC key). Every way Swift turns a value into text
/// (interpolation, `print`, `dump`, `String(reflecting:)`, Mirror) prints "<secret>", so a
/// config struct logged whole does not leak it; code that needs the value calls `reveal()`,
/// which is easy to find in review.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The secret itself: for building a request header, never for logging.
    public func reveal() -> String { value }

    public var isEmpty: Bool { value.isEmpty }

    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Compares without an early exit, so that timing does not tell how much of a guess matched.
    public static func == (a: Secret, b: Secret) -> Bool {
        let x = Array(a.value.utf8)
        let y = Array(b.value.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
    }
}

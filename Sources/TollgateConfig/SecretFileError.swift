/// What a `SecretResolver` file reader throws: a reason fit for an error message (errno
/// text), never file contents.
public struct SecretFileError: Error, Sendable, Equatable {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }
}

/// Why a body is not a JSON-RPC message Tollgate can act on, with the JSON-RPC code to answer.
public struct JSONRPCReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) (\(code))" }
}

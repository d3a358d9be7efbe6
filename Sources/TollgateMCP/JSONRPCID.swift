import TollgateJSON

/// A JSON-RPC 2.0 request id: a string or a number (kept as its exact text), or null in an
/// error answering a request whose id could not be read.
public enum JSONRPCID: Sendable, Hashable, CustomStringConvertible {
    case number(String)
    case string(String)
    case null

    /// The id as JSON, for writing it back unchanged into a response.
    public var json: JSONValue {
        switch self {
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .null: .null
        }
    }

    public var description: String {
        switch self {
        case .number(let n): n
        case .string(let s): s
        case .null: "null"
        }
    }

    init?(_ value: JSONValue) {
        switch value {
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .null: self = .null
        default: return nil
        }
    }
}

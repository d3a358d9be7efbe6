import TollgateJSON

/// A request body Tollgate cannot account for safely. The proxy answers 400 in the caller's
/// protocol: forwarding a body it cannot bound would let a request bypass its budget.
public struct LLMRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Not valid JSON (the JSON error is in `json`).
        case invalidJSON
        /// Valid JSON but not an object.
        case notAnObject
        /// A field the accounting depends on has the wrong type or range (e.g. max_tokens: "9").
        case invalidField
    }

    public var code: Code
    public var message: String
    public var field: String?
    public var json: JSONParseError?

    public init(_ code: Code, _ message: String, field: String? = nil, json: JSONParseError? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.json = json
    }

    init(_ e: JSONParseError) {
        switch e.code {
        case .typeMismatch: self.init(.notAnObject, "request body is not a JSON object", json: e)
        default: self.init(.invalidJSON, "request body is not valid JSON: \(e)", json: e)
        }
    }

    public var description: String {
        "LLM request error \(code.rawValue)\(field.map { " (\($0))" } ?? ""): \(message)"
    }
}

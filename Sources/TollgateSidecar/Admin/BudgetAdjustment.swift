import TollgateJSON

/// The body of POST /budgets/{id}/adjust: `{"used_delta": N}` adds N (negative refunds) to
/// the current window's settled usage, `{"used": N}` sets it; N is an integer in the budget's
/// unit (tokens, requests, micro-dollars).
enum BudgetAdjustment: Equatable {
    case delta(Int64)
    case absolute(Int64)

    static func parse(_ body: [UInt8]) throws(AdminRequestError) -> BudgetAdjustment {
        let json: JSONValue
        do { json = try JSONValue(parsing: body) } catch {
            throw AdminRequestError(400, "invalid_json", "the body must be a JSON object: {\"used_delta\": N} or {\"used\": N}")
        }
        guard let members = json.objectMembers else {
            throw AdminRequestError(400, "invalid_body", "the body must be a JSON object: {\"used_delta\": N} or {\"used\": N}")
        }
        var result: BudgetAdjustment?
        for (key, value) in members {
            let make: (Int64) -> BudgetAdjustment
            switch key {
            case "used_delta": make = BudgetAdjustment.delta
            case "used": make = BudgetAdjustment.absolute
            default: throw AdminRequestError(400, "unknown_field", "unknown field '\(key)': expected used_delta or used")
            }
            guard result == nil else { throw AdminRequestError(400, "invalid_body", "give either used_delta or used, not both") }
            guard let n = value.int64Value else {
                throw AdminRequestError(400, "invalid_value", "\(key) must be an integer in the budget's unit")
            }
            if key == "used" && n < 0 { throw AdminRequestError(400, "invalid_value", "used must not be negative") }
            result = make(n)
        }
        guard let result else { throw AdminRequestError(400, "invalid_body", "expected {\"used_delta\": N} or {\"used\": N}") }
        return result
    }
}

/// A refused admin request: status, a machine-readable code and a message for the operator.
struct AdminRequestError: Error, Equatable {
    var status: Int
    var code: String
    var message: String

    init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }
}

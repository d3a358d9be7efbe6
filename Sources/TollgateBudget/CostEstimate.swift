/// The upper bound of one request's cost before it is sent, with the output side left open:
/// the engine picks the output grant (max_tokens) under the budgets' locks, so clamping and
/// reserving are one atomic step.
public struct CostEstimate: Sendable, Hashable {
    /// Upper bound of prompt tokens (see `CostEstimator`).
    public var inputTokens: Int64
    /// The caller's max_tokens, or nil when the request set none.
    public var requestedOutput: Int64?
    /// The model's own output cap, used when the request set no max_tokens (nil: unknown).
    public var modelOutputCap: Int64?
    public var price: ModelPrice
    public var toolCalls: Int64
    /// Requests and concurrency slots (1 for a normal call).
    public var requests: Int64

    public init(inputTokens: Int64, requestedOutput: Int64? = nil, modelOutputCap: Int64? = nil,
                price: ModelPrice = .free, toolCalls: Int64 = 0, requests: Int64 = 1) {
        self.inputTokens = inputTokens
        self.requestedOutput = requestedOutput
        self.modelOutputCap = modelOutputCap
        self.price = price
        self.toolCalls = toolCalls
        self.requests = requests
    }

    /// A fixed cost that does not involve output tokens (an MCP tool call, a plain request).
    public static func fixed(requests: Int64 = 1, toolCalls: Int64 = 0) -> CostEstimate {
        CostEstimate(inputTokens: 0, requestedOutput: 0, toolCalls: toolCalls, requests: requests)
    }

    /// The output bound before any budget looks at it.
    public var outputCeiling: Int64? { requestedOutput ?? modelOutputCap }

    public var inputCostMicros: Int64 {
        ModelPrice.micros(tokens: inputTokens, perMillion: price.inputMicrosPerMillion)
    }

    /// The reservation if `output` tokens of output are granted.
    public func cost(grantingOutput output: Int64) -> RequestCost {
        RequestCost(requests: requests, inputTokens: inputTokens, outputTokens: output,
                    costMicros: price.cost(input: inputTokens, output: output),
                    concurrent: requests, toolCalls: toolCalls)
    }

    /// The most output a budget of `unit` with `remaining` left can afford after the fixed part
    /// of this request; negative when even the fixed part does not fit.
    /// Int64.max when the unit does not depend on output.
    public func outputHeadroom(unit: BudgetUnit, remaining: Int64) -> Int64 {
        switch unit {
        case .outputTokens: return remaining
        case .totalTokens: return remaining - inputTokens
        case .costMicros: return price.affordableOutput(micros: remaining - inputCostMicros)
        default:
            let fixed = cost(grantingOutput: 0).amount(unit)
            return fixed <= remaining ? Int64.max : -1
        }
    }
}

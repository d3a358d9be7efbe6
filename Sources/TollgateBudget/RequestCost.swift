/// The per-unit amounts of one request: what a reservation holds, or what a settlement charges.
public struct RequestCost: Sendable, Hashable {
    public var requests: Int64
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var costMicros: Int64
    public var concurrent: Int64
    public var toolCalls: Int64

    public init(requests: Int64 = 1, inputTokens: Int64 = 0, outputTokens: Int64 = 0,
                costMicros: Int64 = 0, concurrent: Int64 = 1, toolCalls: Int64 = 0) {
        self.requests = requests
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.costMicros = costMicros
        self.concurrent = concurrent
        self.toolCalls = toolCalls
    }

    public var totalTokens: Int64 { inputTokens + outputTokens }

    public static let zero = RequestCost(requests: 0, concurrent: 0)

    /// The amount this request counts against a budget of `unit`.
    public func amount(_ unit: BudgetUnit) -> Int64 {
        switch unit {
        case .requests: requests
        case .inputTokens: inputTokens
        case .outputTokens: outputTokens
        case .totalTokens: totalTokens
        case .costMicros: costMicros
        case .concurrent: concurrent
        case .toolCalls: toolCalls
        }
    }
}

/// A model's price: micro-dollars per one million input and output tokens.
public struct ModelPrice: Sendable, Hashable {
    public var inputMicrosPerMillion: Int64
    public var outputMicrosPerMillion: Int64

    public init(inputMicrosPerMillion: Int64, outputMicrosPerMillion: Int64) {
        self.inputMicrosPerMillion = inputMicrosPerMillion
        self.outputMicrosPerMillion = outputMicrosPerMillion
    }

    public static let free = ModelPrice(inputMicrosPerMillion: 0, outputMicrosPerMillion: 0)

    /// Rounded up: a reservation must bound the charge, and a settlement must never under-count.
    public static func micros(tokens: Int64, perMillion: Int64) -> Int64 {
        guard tokens > 0, perMillion > 0 else { return 0 }
        let p = Int128(tokens) * Int128(perMillion)
        return Int64(clamping: (p + 999_999) / 1_000_000)
    }

    public func cost(input: Int64, output: Int64) -> Int64 {
        Self.micros(tokens: input, perMillion: inputMicrosPerMillion)
            + Self.micros(tokens: output, perMillion: outputMicrosPerMillion)
    }

    /// The largest output token count whose cost fits in `micros`.
    public func affordableOutput(micros: Int64) -> Int64 {
        guard micros >= 0 else { return -1 }
        guard outputMicrosPerMillion > 0 else { return Int64.max }
        return Int64(clamping: Int128(micros) * 1_000_000 / Int128(outputMicrosPerMillion))
    }
}

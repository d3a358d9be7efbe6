/// Deciding max_tokens from what the budgets have left. Pure; the engine runs it under the
/// budgets' locks so the decision and the reservation cannot race.
public enum MaxTokensClamp {
    /// What to do with the request's max_tokens.
    public enum Decision: Sendable, Equatable {
        /// Forward as is; `output` is the bound reserved (nil: output unbounded by any budget).
        case keep(output: Int64?)
        /// Rewrite max_tokens (max_completion_tokens / max_output_tokens) to this value.
        case set(Int64)
        /// What remains is below the minimum grant of `budgetIndex` (index into the input).
        case refuse(budgetIndex: Int, available: Int64)
    }

    /// One hard budget's view: its unit, what it has left, and its minimum grant.
    public struct Constraint: Sendable, Equatable {
        public var unit: BudgetUnit
        public var remaining: Int64
        public var minimumGrant: Int64

        public init(unit: BudgetUnit, remaining: Int64, minimumGrant: Int64) {
            self.unit = unit; self.remaining = remaining; self.minimumGrant = minimumGrant
        }
    }

    /// The tightest output grant across `constraints`, compared with what the request asked for.
    public static func decide(_ estimate: CostEstimate, constraints: [Constraint]) -> Decision {
        var grant = Int64.max
        var tightest = -1
        for (i, c) in constraints.enumerated() {
            let h = estimate.outputHeadroom(unit: c.unit, remaining: c.remaining)
            if h < grant { grant = h; tightest = i }
        }
        return decide(estimate, grant: grant, tightest: tightest,
                      minimum: tightest >= 0 ? constraints[tightest].minimumGrant : 0)
    }

    /// Same decision from a precomputed tightest headroom (used by the engine's lock walk).
    static func decide(_ estimate: CostEstimate, grant headroom: Int64, tightest: Int, minimum: Int64) -> Decision {
        let ceiling = estimate.outputCeiling
        if headroom == Int64.max {
            return .keep(output: ceiling)
        }
        if headroom < 0 { return .refuse(budgetIndex: tightest, available: max(headroom, 0)) }
        // The request's own bound (or the model's cap) fits: nothing to rewrite.
        if let ceiling, ceiling <= headroom { return .keep(output: ceiling) }
        if headroom < minimum { return .refuse(budgetIndex: tightest, available: headroom) }
        return .set(headroom)
    }
}

import Testing
@testable import TollgateBudget

struct BudgetUnitTests {
    /// Units parse from their config spelling.
    @Test func spelling() {
        #expect(BudgetUnit(rawValue: "total_tokens") == .totalTokens)
        #expect(BudgetUnit(rawValue: "bogus") == nil)
    }
}

import Testing
@testable import TollgateBudget

struct BudgetSpecTests {
    /// The documented flag examples parse to hard global budgets.
    @Test func examples() throws {
        let a = try BudgetSpec.parse("total_tokens=100000/day")
        #expect(a.unit == .totalTokens && a.limit == 100_000 && a.window == .day && a.mode == .hard && a.scope.isGlobal)
        let b = try BudgetSpec.parse("requests=600/minute")
        #expect(b.unit == .requests && b.limit == 600 && b.window == .perMinute)
        let c = try BudgetSpec.parse("cost_usd=25/month")
        #expect(c.unit == .costMicros && c.limit == 25_000_000 && c.window == .month)
        #expect(c.id == "cost_usd/month")
        let d = try BudgetSpec.parse("concurrent=8")
        #expect(d.unit == .concurrent && d.limit == 8)
    }

    /// Dollar limits convert exactly to micro-dollars; suffixes and separators are accepted.
    @Test func limits() throws {
        #expect(try BudgetSpec.parse("cost_usd=0.10/day").limit == 100_000)
        #expect(try BudgetSpec.parse("cost_usd=1.234567/day").limit == 1_234_567)
        #expect(try BudgetSpec.parse("input_tokens=100k/hour").limit == 100_000)
        #expect(try BudgetSpec.parse("output_tokens=1.5m/lifetime").limit == 1_500_000)
        #expect(try BudgetSpec.parse("requests=1_000/second").limit == 1_000)
    }

    /// Bad input fails with a code and a message naming what was expected.
    @Test func errors() {
        func code(_ s: String) -> BudgetSpecError.Code? {
            do { _ = try BudgetSpec.parse(s); return nil } catch { return error.code }
        }
        #expect(code("total_tokens") == .missingEquals)
        #expect(code("tokens=5/day") == .unknownUnit)
        #expect(code("requests=5") == .missingWindow)
        #expect(code("requests=5/week") == .badWindow)
        #expect(code("requests=five/day") == .badLimit)
        #expect(code("requests=0/day") == .badLimit)
        #expect(code("cost_usd=0.0000001/day") == .badLimit)
        #expect(code("requests=99999999999999999999/day") == .badLimit)
        do {
            _ = try BudgetSpec.parse("tokens=5/day")
        } catch {
            #expect(error.description.contains("expected one of: requests, input_tokens"))
        }
    }
}

struct BudgetScopeTests {
    /// Scopes parse from config, print canonically, and match only their combination.
    @Test func parseAndMatch() throws {
        let s = try BudgetScope(parsing: "model=gpt-4o+team=a")
        #expect(s.description == "team=a+model=gpt-4o")
        #expect(s == BudgetScope(team: "a", model: "gpt-4o"))
        #expect(s.matches(BudgetSubject(key: "k", team: "a", model: "gpt-4o")))
        #expect(!s.matches(BudgetSubject(team: "a", model: "other")))
        #expect(!s.matches(BudgetSubject(model: "gpt-4o")))
        #expect(try BudgetScope(parsing: "global").isGlobal)
        #expect(BudgetScope.global.matches(BudgetSubject()))
        #expect(throws: BudgetSpecError.self) { try BudgetScope(parsing: "colour=red") }
        #expect(throws: BudgetSpecError.self) { try BudgetScope(parsing: "team=a+team=b") }
    }
}

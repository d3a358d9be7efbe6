@testable import TollgateBudget

/// 2026-03-14T12:00:00Z in UTC nanoseconds: a fixed "now" for deterministic tests.
let t0: UTCNanos = UTCCalendar.days(year: 2026, month: 3, day: 14) * Nanos.perDay + 12 * Nanos.perHour

func utc(_ y: Int64, _ mo: Int64, _ d: Int64, _ h: Int64 = 0, _ mi: Int64 = 0, _ s: Int64 = 0) -> UTCNanos {
    UTCCalendar.days(year: y, month: mo, day: d) * Nanos.perDay + h * Nanos.perHour + mi * Nanos.perMinute + s * Nanos.perSecond
}

func tokens(_ id: String, _ limit: Int64, _ window: BudgetWindow = .day, unit: BudgetUnit = .totalTokens,
            scope: BudgetScope = .global, mode: BudgetMode = .hard, minimumGrant: Int64 = 16) -> BudgetDefinition {
    BudgetDefinition(id: id, scope: scope, unit: unit, window: window, limit: limit, mode: mode, minimumGrant: minimumGrant)
}

/// A request needing exactly `input` + `output` tokens (max_tokens set).
func request(input: Int64, output: Int64) -> CostEstimate {
    CostEstimate(inputTokens: input, requestedOutput: output)
}

import Synchronization

/// A tiny lock for test helpers.
final class NSLockish: Sendable {
    private let m = Mutex(())
    func with<R>(_ body: () throws -> R) rethrows -> R {
        try m.withLock { _ in try body() }
    }
}

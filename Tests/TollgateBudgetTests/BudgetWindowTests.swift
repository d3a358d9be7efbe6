import Testing
@testable import TollgateBudget

struct BudgetWindowTests {
    /// Civil dates round-trip through day numbers across leap years and before 1970.
    @Test func calendarRoundTrip() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (2024, 12, 31), (1969, 12, 31), (2100, 3, 1)] as [(Int64, Int64, Int64)] {
            let days = UTCCalendar.days(year: y, month: m, day: d)
            let c = UTCCalendar.civil(fromDays: days)
            #expect(c.year == y && c.month == m && c.day == d)
        }
        #expect(UTCCalendar.days(year: 1970, month: 1, day: 1) == 0)
        #expect(UTCCalendar.days(year: 2000, month: 3, day: 1) - UTCCalendar.days(year: 2000, month: 2, day: 28) == 2)
    }

    /// Day windows roll over exactly at UTC midnight.
    @Test func dayBoundary() {
        let before = utc(2026, 3, 14, 23, 59, 59) + Nanos.perSecond - 1
        let after = utc(2026, 3, 15)
        #expect(BudgetWindow.day.windowID(at: before) + 1 == BudgetWindow.day.windowID(at: after))
        #expect(BudgetWindow.day.nextReset(after: before) == after)
        #expect(BudgetWindow.day.nextReset(after: after) == utc(2026, 3, 16))
    }

    /// Month windows follow calendar months, including February of a leap year and new year.
    @Test func monthBoundary() {
        #expect(BudgetWindow.month.nextReset(after: utc(2028, 2, 10)) == utc(2028, 3, 1))
        #expect(BudgetWindow.month.nextReset(after: utc(2026, 12, 31, 23)) == utc(2027, 1, 1))
        #expect(BudgetWindow.month.windowID(at: utc(2026, 12, 31, 23)) + 1 == BudgetWindow.month.windowID(at: utc(2027, 1, 1)))
        #expect(BudgetWindow.month.windowStart(BudgetWindow.month.windowID(at: utc(2026, 7, 19))) == utc(2026, 7, 1))
    }

    /// Hour windows reset on the hour; lifetime and rolling windows have no calendar reset.
    @Test func hourAndLifetime() {
        #expect(BudgetWindow.hour.nextReset(after: utc(2026, 3, 14, 10, 30)) == utc(2026, 3, 14, 11))
        #expect(BudgetWindow.lifetime.nextReset(after: t0) == nil)
        #expect(BudgetWindow.perMinute.nextReset(after: t0) == nil)
        #expect(BudgetWindow.lifetime.windowID(at: t0) == 0)
    }
}

struct ManualClockTests {
    /// The manual clock moves only when told.
    @Test func moves() {
        let c = ManualBudgetClock(t0)
        #expect(c.nowNanos() == t0)
        c.advance(by: Nanos.perDay)
        #expect(BudgetWindow.day.windowID(at: c.nowNanos()) == BudgetWindow.day.windowID(at: t0) + 1)
        c.set(0)
        #expect(c.nowNanos() == 0)
    }
}

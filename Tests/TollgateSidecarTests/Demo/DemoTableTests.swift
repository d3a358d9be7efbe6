import Testing
@testable import TollgateSidecar

struct DemoTableTests {
    /// Rows, totals and the bar render without color codes when color is off.
    @Test func rendersPlainTable() {
        let t = DemoTable(rows: [.init(name: "sc1", served: 3, refused: 1, spent: 12_345, leaseHeld: 500),
                                 .init(name: "sc2", served: 4, refused: 0, spent: 0, leaseHeld: 0)],
                          used: 15_000, outstanding: 3_000, limit: 30_000, learning: false, color: false)
        let lines = t.lines
        #expect(lines.count == 4)
        #expect(lines[1].contains("12,345") && lines[1].contains("sc1"))
        #expect(lines[3].contains("15,000 / 30,000") && lines[3].contains("50%"))
        #expect(t.bar(width: 10) == "[#####=....]")
        #expect(!lines.joined().contains("\u{1B}"))
        #expect((t.totalServed, t.totalRefused) == (7, 1))
    }

    /// Thousands separators, including negatives and small numbers.
    @Test func groupsDigits() {
        #expect(DemoTable.grouped(0) == "0")
        #expect(DemoTable.grouped(999) == "999")
        #expect(DemoTable.grouped(1_000) == "1,000")
        #expect(DemoTable.grouped(-1_234_567) == "-1,234,567")
    }
}

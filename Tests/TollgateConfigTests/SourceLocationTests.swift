import Testing
@testable import TollgateConfig

struct SourceLocationTests {
    /// Locations print as file:line:column.
    @Test func description() {
        #expect(SourceLocation(file: "t.yaml", line: 3, column: 7).description == "t.yaml:3:7")
    }
}

import Testing
@testable import TollgateJSON

struct JSONValueTests {
    /// Object lookup returns the first member with the key.
    @Test func memberLookup() {
        let v = JSONValue.object([(key: "a", value: .number("1")), (key: "b", value: .null)])
        #expect(v["a"] == .number("1"))
        #expect(v["c"] == nil)
    }
}

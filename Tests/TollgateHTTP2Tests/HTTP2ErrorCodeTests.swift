import Testing
@testable import TollgateHTTP2

struct HTTP2ErrorCodeTests {
    /// Wire values match RFC 9113.
    @Test func wireValues() {
        #expect(HTTP2ErrorCode.protocolError.rawValue == 1)
        #expect(HTTP2ErrorCode.cancel.rawValue == 8)
        #expect(HTTP2ErrorCode(rawValue: 0xd) == .http11Required)
    }
}

import Testing
@testable import TollgateLLM

/// Where an event's single data line sits in its raw bytes.
struct SSEDataLocatorTests {
    private func locate(_ s: String) -> String? {
        let raw = Array(s.utf8)
        return SSEDataLocator.singleDataLine(in: raw).map { String(decoding: raw[$0], as: UTF8.self) }
    }

    /// LF, CRLF and CR line ends, other fields around it, no space after the colon, a bare "data".
    @Test func singleLine() {
        #expect(locate("data: {\"a\":1}\n\n") == "{\"a\":1}")
        #expect(locate("event: e\nid: 3\ndata: x\n\n") == "x")
        #expect(locate("data: x\r\n\r\n") == "x")
        #expect(locate("id: 1\rdata:x\r\r") == "x")
        #expect(locate(": c\ndata\n\n") == "")
        #expect(locate("data: last") == "last")
    }

    /// Zero or several data lines, and lines that only start like one, give nil.
    @Test func noneOrSeveral() {
        #expect(locate("event: e\n\n") == nil)
        #expect(locate("data: a\ndata: b\n\n") == nil)
        #expect(locate("data: a\r\ndata: b\r\n\r\n") == nil)
        #expect(locate("datum: a\n\n") == nil)
        #expect(locate("") == nil)
    }
}

import Testing
import TollgateHTTP2

struct HTTP2PrefaceTests {
    /// The whole preface is HTTP/2, also with frames after it.
    @Test func wholePrefaceIsHTTP2() {
        #expect(HTTP2Preface.classify(HTTP2Preface.bytes) == .http2)
        #expect(HTTP2Preface.classify(HTTP2Preface.bytes + [0, 0, 0, 4]) == .http2)
    }

    /// Every proper prefix of the preface (including nothing) asks for more bytes.
    @Test func prefixesNeedMore() {
        for n in 0..<HTTP2Preface.bytes.count {
            #expect(HTTP2Preface.classify(HTTP2Preface.bytes[0..<n]) == .needMore, "prefix of \(n) bytes")
        }
    }

    /// HTTP/1.1 request lines are told apart at the first differing byte, even one sharing "P".
    @Test func requestLinesAreHTTP1() {
        #expect(HTTP2Preface.classify(Array("GET /healthz HTTP/1.1\r\n".utf8)) == .http1)
        #expect(HTTP2Preface.classify(Array("POST /v1/sync HTTP/1.1\r\n".utf8)) == .http1)
        #expect(HTTP2Preface.classify(Array("PR".utf8)) == .needMore)
        #expect(HTTP2Preface.classify(Array("PRX".utf8)) == .http1)
        #expect(HTTP2Preface.classify(Array("PRI * HTTP/1.1\r\n".utf8)) == .http1)
    }
}

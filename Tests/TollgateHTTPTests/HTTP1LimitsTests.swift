import Testing
@testable import TollgateHTTP

struct HTTP1LimitsTests {
    /// Defaults match the documented values; the response parser defaults to no body limit.
    @Test func defaults() {
        let l = HTTP1Limits()
        #expect(l.maxRequestLineBytes == 8192 && l.maxHeaderBytes == 32768 && l.maxHeaderCount == 100)
        #expect(l.maxBodyBytes == 32 << 20 && l.maxChunkLineBytes == 4096)
        #expect(HTTP1ResponseParser().limits.maxBodyBytes == .max)
        #expect(HTTP1RequestParser().limits == l)
    }

    /// Nonsense values are clamped so the parser's arithmetic stays safe.
    @Test func clamping() {
        let l = HTTP1Limits(maxRequestLineBytes: -5, maxHeaderBytes: .max, maxHeaderCount: -1, maxBodyBytes: -1, maxChunkLineBytes: 0)
        #expect(l.maxRequestLineBytes == 1 && l.maxHeaderCount == 0 && l.maxBodyBytes == 0 && l.maxChunkLineBytes == 1)
        #expect(l.maxHeaderBytes == 1 << 40)
        // Huge limits still parse normally.
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\n\r\n", limits: HTTP1Limits(maxRequestLineBytes: .max, maxHeaderBytes: .max, maxHeaderCount: .max, maxBodyBytes: .max, maxChunkLineBytes: .max)) == nil)
    }

    /// maxHeaderCount 0 allows a request with no fields only (HTTP/1.0, no Host).
    @Test func zeroHeaderCount() {
        let l = HTTP1Limits(maxHeaderCount: 0)
        #expect(requestError("GET / HTTP/1.0\r\n\r\n", limits: l) == nil)
        #expect(requestError("GET / HTTP/1.1\r\nHost: h\r\n\r\n", limits: l) == .tooManyHeaders)
    }
}

import Testing
import TollgateHTTP
@testable import TollgateSidecar

struct HTTP1RequestCollectorTests {
    static let two = Array("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: x\r\n\r\n".utf8)

    func collect(_ c: inout HTTP1RequestCollector, _ bytes: [UInt8], goOn: Bool = true) throws -> (Int, [(String, String)]) {
        var seen: [(String, String)] = []
        let used = try bytes.withUnsafeBytes { b in
            try c.collect(b, stop: { false }) { h, body in
                seen.append((String(h.path), String(decoding: body, as: UTF8.self)))
                return goOn
            }
        }
        return (used, seen)
    }

    /// Pipelined requests in one read come out whole, in order, each with its own body.
    @Test func pipelinedRequestsInOneRead() throws {
        var c = HTTP1RequestCollector(maxBodyBytes: 1024)
        let (used, seen) = try collect(&c, Self.two)
        #expect(seen.map(\.0) == ["/a", "/b"] && seen.map(\.1) == ["abc", ""])
        #expect(used == Self.two.count)
    }

    /// A request split across reads is delivered once its last byte arrives.
    @Test func splitAcrossReads() throws {
        var c = HTTP1RequestCollector(maxBodyBytes: 1024)
        var all: [(String, String)] = []
        for chunk in [Array(Self.two[..<20]), Array(Self.two[20..<49]), Array(Self.two[49...])] {
            all += try collect(&c, chunk).1
        }
        #expect(all.map(\.0) == ["/a", "/b"] && all.map(\.1) == ["abc", ""])
    }

    /// Declining to go on returns where the next request starts, so the caller can hold it.
    @Test func stopsAfterARequestWhenAsked() throws {
        var c = HTTP1RequestCollector(maxBodyBytes: 1024)
        let (used, seen) = try collect(&c, Self.two, goOn: false)
        #expect(seen.count == 1)
        #expect(Array(Self.two[used...]).starts(with: Array("GET /b".utf8)))
    }

    /// A body over the limit is a parse error the caller answers in its own way.
    @Test func bodyOverTheLimitThrows() {
        var c = HTTP1RequestCollector(maxBodyBytes: 2)
        #expect(throws: HTTP1ParseError.self) { _ = try collect(&c, Self.two) }
    }
}

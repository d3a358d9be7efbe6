import Testing
@testable import TollgateHTTP
import TollgateTestSupport

/// Seeded property tests: random valid requests survive serialize -> parse at random split points.
struct HTTP1RoundTripPropertyTests {
    static let tchars = Array("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
    static let pathChars = Array("abcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:@/".utf8)
    static let valueChars = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".utf8)

    static func word<R: RandomNumberGenerator>(_ from: [UInt8], _ n: ClosedRange<Int>, _ rng: inout R) -> String {
        let len = Int.random(in: n, using: &rng)
        return String(decoding: (0..<len).map { _ in from.randomElement(using: &rng)! }, as: UTF8.self)
    }

    struct Case {
        var head: HTTPRequestHead
        var framing: HTTP1BodyFraming
        var body: [UInt8]
        var trailers: HTTPHeaders
        var wire: [UInt8]
    }

    static func randomCase<R: RandomNumberGenerator>(_ rng: inout R) -> Case {
        let method = ["GET", "POST", "PUT", "DELETE", "PATCH", word(tchars, 1...8, &rng)].randomElement(using: &rng)!
        let target = "/" + word(pathChars, 0...40, &rng) + (Bool.random(using: &rng) ? "?" + word(pathChars, 0...20, &rng) : "")
        var headers = HTTPHeaders()
        headers.add("Host", "svc-\(Int.random(in: 0...999, using: &rng)).local:\(Int.random(in: 1...65535, using: &rng))")
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            var name = word(tchars, 1...20, &rng)
            // Keep framing fields under the test's control.
            let lower = name.lowercased()
            if lower == "host" || lower == "content-length" || lower == "transfer-encoding" { name = "X-" + name }
            var value = word(valueChars, 0...60, &rng)
            while value.first == " " || value.first == "\t" { value.removeFirst() }
            while value.last == " " || value.last == "\t" { value.removeLast() }
            headers.add(name, value)
        }
        let body = (0..<Int.random(in: 0...3000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var framing = HTTP1BodyFraming.none
        var trailers = HTTPHeaders()
        switch Int.random(in: 0...2, using: &rng) {
        case 0 where body.isEmpty: break
        case 0, 1:
            framing = .contentLength(Int64(body.count))
            headers.add("Content-Length", String(body.count))
        default:
            framing = .chunked
            headers.add("Transfer-Encoding", "chunked")
            if Bool.random(using: &rng) { trailers.add("X-Trailer-" + word(tchars, 1...5, &rng), word(valueChars, 1...10, &rng).filter { $0 != " " && $0 != "\t" }) }
        }
        let head = HTTPRequestHead(method: method, target: target, headers: headers)
        var wire: [UInt8] = []
        HTTP1Serializer.appendRequestHead(head, to: &wire)
        switch framing {
        case .contentLength: wire += body
        case .chunked:
            var i = 0
            while i < body.count {
                let n = min(body.count - i, Int.random(in: 1...700, using: &rng))
                body[i..<(i + n)].withUnsafeBytes { HTTP1Serializer.appendChunk($0, to: &wire) }
                i += n
            }
            HTTP1Serializer.appendLastChunk(trailers: trailers.count > 0 ? trailers : nil, to: &wire)
        default: break
        }
        return Case(head: head, framing: framing, body: body, trailers: trailers, wire: wire)
    }

    /// 300 random requests, pipelined in batches, parse back equal whatever the read boundaries.
    @Test func randomRequestsRoundTrip() {
        var rng = SplitMix64(seed: 0x7011_6A7E)
        for _ in 0..<60 {
            let cases = (0..<5).map { _ in Self.randomCase(&rng) }
            var expected = Run()
            var wire: [UInt8] = []
            for c in cases {
                expected.add(.req(c.head, c.framing))
                if !c.body.isEmpty { expected.add(.body(c.body)) }
                if c.trailers.count > 0 { expected.add(.trailers(c.trailers)) }
                expected.add(.end)
                wire += c.wire
            }
            let cuts = (0..<Int.random(in: 0...40, using: &rng)).map { _ in Int.random(in: 0...wire.count, using: &rng) }
            var p = HTTP1RequestParser()
            let run = drive(&p, wire, cuts: cuts)
            #expect(run.error == nil)
            #expect(run.events == expected.events)
            #expect(run.leftover == 0 && p.isIdle)
        }
    }

    /// Every single split point of one request gives the same events.
    @Test func everySplitPoint() {
        var rng = SplitMix64(seed: 42)
        let c = Self.randomCase(&rng)
        var p0 = HTTP1RequestParser()
        let reference = drive(&p0, c.wire)
        for cut in 0...c.wire.count {
            var p = HTTP1RequestParser()
            #expect(drive(&p, c.wire, cuts: [cut]) == reference)
        }
    }

    /// Random byte mutations of valid requests never crash and agree whole vs byte-at-a-time.
    @Test func mutatedRequestsAgreeAcrossSplits() {
        var rng = SplitMix64(seed: 99)
        let specials: [UInt8] = [0x0D, 0x0A, 0x20, 0x09, 0x3A, 0x00, 0x3B, 0x30, 0x2C, 0x7F, 0xFF]
        for _ in 0..<150 {
            var wire = Self.randomCase(&rng).wire
            if wire.count > 600 { wire.removeLast(wire.count - 600) }
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<wire.count, using: &rng)
                switch Int.random(in: 0...2, using: &rng) {
                case 0: wire[i] = specials.randomElement(using: &rng)!
                case 1: wire.insert(specials.randomElement(using: &rng)!, at: i)
                default: wire.remove(at: i)
                }
            }
            let limits = HTTP1Limits(maxRequestLineBytes: 40, maxHeaderBytes: 300, maxHeaderCount: 6, maxBodyBytes: 500, maxChunkLineBytes: 8)
            _ = parseRequests(wire, limits: limits)
        }
    }
}

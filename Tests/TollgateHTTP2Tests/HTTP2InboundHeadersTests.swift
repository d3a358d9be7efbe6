import Testing
import TollgateHTTP
@testable import TollgateHTTP2
import TollgateTestSupport

struct HTTP2InboundHeadersTests {
    /// Generated header blocks of varied sizes, one after another on one session (whose block
    /// buffer is reused), each arrive as exactly the fields sent: host first, order kept, names
    /// lowercased, cookie crumbs joined last, response and trailer blocks too.
    @Test func reusedBlockBufferDeliversEveryBlockExactly() throws {
        let p = SessionPair()
        var rng = SplitMix64(seed: 7)
        var expected: [Int32: [(String, String)]] = [:]
        for round in 0..<60 {
            var sent: [(name: String, value: String)] = [(name: "host", value: "h\(round).example")]
            var want: [(String, String)] = [("host", "h\(round).example")]
            var crumbs: [String] = []
            for i in 0..<Int(rng.next() % 12) {
                let value = String(repeating: "v", count: Int(rng.next() % (round % 7 == 0 ? 900 : 40))) + "\(i)"
                if rng.next() % 5 == 0 {
                    sent.append((name: "cookie", value: "c\(i)=\(value)"))
                    crumbs.append("c\(i)=\(value)")
                } else {
                    sent.append((name: "X-Field-\(i)", value: value))
                    want.append(("x-field-\(i)", value))
                }
            }
            if !crumbs.isEmpty { want.append(("cookie", crumbs.joined(separator: "; "))) }
            let id = try p.request("POST", "/v1/r/\(round)", headers: HTTPHeaders(sent), body: round % 3 == 0 ? nil : [1, 2, 3])
            expected[id] = want
        }
        try p.pump()

        #expect(p.serverDelegate.requests.count == expected.count)
        for req in p.serverDelegate.requests {
            let want = try #require(expected[req.id])
            #expect(req.head.headers.fields.map { [$0.name, $0.value] } == want.map { [$0.0, $0.1] })
            #expect(req.head.target.hasPrefix("/v1/r/"))
            #expect(req.head.method == "POST")

            var response = HTTPHeaders()
            for (i, f) in want.enumerated() where f.0 != "host" && f.0 != "cookie" { response.add("x-echo-\(i)", f.1) }
            p.server.sendResponseHead(HTTPResponseHead(status: 200, headers: response), streamID: req.id, endStream: false)
            p.server.sendTrailers(["x-trailer": "t\(req.id)"], streamID: req.id)
        }
        try p.pump()
        for req in p.serverDelegate.requests {
            let resp = try #require(p.clientDelegate.responses.first { $0.id == req.id })
            let want = try #require(expected[req.id])
            let echoes = want.enumerated().filter { $0.element.0 != "host" && $0.element.0 != "cookie" }
            #expect(resp.head.headers.fields.map { [$0.name, $0.value] } == echoes.map { ["x-echo-\($0.offset)", $0.element.1] })
            #expect(p.clientDelegate.events.contains(.trailers(req.id, ["x-trailer": "t\(req.id)"])))
        }
    }

    /// A CONNECT request has no :path: its target is the :authority, read back from the block's
    /// first field ("host").
    @Test func connectTargetIsTheAuthority() throws {
        let p = SessionPair()
        _ = try p.client.sendRequestHead(
            HTTPRequestHead(method: "CONNECT", target: "", headers: ["host": "proxy.example:8443", "x-a": "1"]),
            scheme: "https", authority: "unused.example", endStream: false)
        try p.pump()
        let req = try #require(p.serverDelegate.requests.first)
        #expect(req.head.method == "CONNECT")
        #expect(req.head.target == "proxy.example:8443")
        #expect(req.head.headers.fields.map { [$0.name, $0.value] } == [["host", "proxy.example:8443"], ["x-a", "1"]])
    }
}


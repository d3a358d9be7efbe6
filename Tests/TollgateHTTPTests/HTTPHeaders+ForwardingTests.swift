import Testing
@testable import TollgateHTTP

struct HTTPHeadersForwardingTests {
    static let names = ["Connection", "connection", "CONNECTION", "Keep-Alive", "TE", "te", "Upgrade", "Trailer", "Transfer-Encoding",
                        "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "X-Hop", "x-hop", "Content-Length",
                        "Content-Type", "Host", "Expect", "X-A", "Close", "Date"]
    static let values = ["keep-alive", "close", "Keep-Alive, X-Hop", "x-hop", " upgrade , TE ", ",,", "", "chunked", "1", "text/plain",
                         "X-A, close", "Close"]

    static func headers(_ r: inout TestLCG) -> HTTPHeaders {
        var h = HTTPHeaders()
        for _ in 0..<r.below(9) { h.add(r.pick(names), r.pick(values)) }
        return h
    }

    /// The old two-step stripping (token list, then a name predicate), the reference for `removeHopByHop`.
    static func referenceStrip(_ headers: inout HTTPHeaders) {
        let fixed = ["connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade",
                     "proxy-authenticate", "proxy-authorization", "trailer"]
        let listed = headers.tokens("connection")
        headers.removeAll(whereName: { name in asciiEqualsAny(name, fixed) || asciiEqualsAny(name, listed) })
    }

    /// `removeHopByHop` drops exactly what the reference drops, in the same order, over generated heads.
    @Test func removeHopByHopMatchesReference() {
        var r = TestLCG(state: 7)
        for _ in 0..<5_000 {
            let h = Self.headers(&r)
            var fast = h, ref = h
            fast.removeHopByHop()
            Self.referenceStrip(&ref)
            #expect(fast == ref, "\(h.fields)")
            if fast != ref { break }
        }
    }

    /// Literal-name lookups agree with the String ones, whatever the case of the field names.
    @Test func literalLookupsMatchStringLookups() {
        var r = TestLCG(state: 8)
        for _ in 0..<5_000 {
            let h = Self.headers(&r)
            #expect(h.firstIndex(lowercase: "connection") == h.firstIndex(of: "connection"))
            #expect(h.firstIndex(lowercase: "content-length") == h.firstIndex(of: "Content-Length"))
            #expect(h.contains(lowercase: "x-hop") == h.contains("X-Hop"))
            #expect(h.hasToken(lowercase: "connection", "close") == h.hasToken("connection", "close"))
            #expect(h.hasToken(lowercase: "connection", "keep-alive") == h.hasToken("Connection", "Keep-Alive"))
            if let i = h.firstIndex(of: "te") {
                #expect(h.firstIndex(lowercase: "te", from: i + 1) == h.firstIndex(of: "te", from: i + 1))
            }
        }
    }

    /// Fields forwarded as spans over the source's bytes equal fields copied one by one, and
    /// later additions and edits behave the same on both.
    @Test func forwardingMatchesCopying() {
        var r = TestLCG(state: 9)
        for _ in 0..<3_000 {
            let source = Self.headers(&r)
            var fast = HTTPHeaders(forwardingFrom: source, fieldCapacity: source.count + 2, extraBytes: 32)
            var ref = HTTPHeaders()
            fast.add(name: "host", value: "up.example")
            ref.add("host", "up.example")
            for i in 0..<source.count where r.below(3) != 0 {
                fast.addForwarded(fieldAt: i, of: source)
                ref.add(fieldAt: i, of: source)
            }
            fast.add(name: "x-forwarded-proto", value: "http")
            ref.add("x-forwarded-proto", "http")
            #expect(fast == ref)
            fast.set("content-length", "5")
            ref.set("content-length", "5")
            #expect(fast == ref)
            var fw = [UInt8](repeating: 0, count: fast.wireSize), rw = [UInt8](repeating: 0, count: ref.wireSize)
            _ = fw.withUnsafeMutableBufferPointer { fast.writeWire(to: $0.baseAddress!) }
            _ = rw.withUnsafeMutableBufferPointer { ref.writeWire(to: $0.baseAddress!) }
            #expect(fw == rw)
        }
    }

    /// Decimal values are the digits `String(n)` gives, at the edges too.
    @Test func decimalValues() {
        var r = TestLCG(state: 10)
        var samples: [Int64] = [0, 1, 9, 10, 99, 100, -1, -10, Int64.max, Int64.min, 1 << 32]
        for _ in 0..<2_000 { samples.append(Int64(bitPattern: r.next() << 31 ^ r.next()) >> Int64(r.below(63))) }
        for n in samples {
            var h = HTTPHeaders()
            h.add(name: "content-length", decimal: n)
            #expect(h.fields.first?.value == String(n))
            #expect(h.fields.first?.name == "content-length")
        }
    }

    /// Literal name and value adds make the same fields as the String add.
    @Test func literalAdds() {
        var a = HTTPHeaders(), b = HTTPHeaders()
        a.add(name: "transfer-encoding", value: "chunked" as StaticString)
        a.add(name: "x-forwarded-for", value: "10.0.0.1, 127.0.0.1")
        b.add("transfer-encoding", "chunked")
        b.add("x-forwarded-for", "10.0.0.1, 127.0.0.1")
        #expect(a == b)
    }
}

import Testing
import TollgateHTTP
@testable import TollgateHTTP2
import TollgateTestSupport

/// A server session checks requests itself (`HTTP2RequestRules`) instead of leaving it to
/// nghttp2's HTTP messaging. These feed the same bytes to a session of each kind and expect
/// the same: requests delivered (fields, body, end), streams reset and with which code, and
/// the bytes each sends back.
struct HTTP2RequestRulesTests {
    /// Every byte, alone and between valid ones, gets nghttp2's verdict as a name and a value.
    @Test func characterChecksAgreeWithNghttp2() {
        var inputs: [[UInt8]] = [[]]
        for b in 0...255 {
            let c = UInt8(b)
            inputs += [[c], [0x61, c], [c, 0x61], [0x3a, c], Array("content-".utf8) + [c] + Array("type".utf8),
                       Array("abcdefgh".utf8) + [c], [c] + Array("abcdefghijklmnop".utf8), Array("abcdefghijklmno".utf8) + [c]]
        }
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20_000 {
            let alphabet: [UInt8] = Array("az-_:~ \t\u{7f}\r\n09AZ!\"%/".utf8) + [0, 0x80, 0xc3, 0xa9, 0xff]
            inputs.append((0..<Int(rng.next() % 20)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        for input in inputs {
            input.withUnsafeBufferPointer { p in
                #expect(HTTP2RequestRules.isValidName(p) == HTTP2RequestRules.libraryAcceptsName(p), "name \(input)")
                #expect(HTTP2RequestRules.isValidValue(p) == HTTP2RequestRules.libraryAcceptsValue(p), "value \(input)")
            }
        }
    }

    /// Generated requests, valid and malformed (pseudo-headers missing, repeated, late, empty
    /// or bad; forbidden and odd fields; content-length against the DATA sent; trailers with
    /// and without END_STREAM), get the same outcome from both sessions.
    @Test func sameOutcomesAsNghttp2() throws {
        var rng = SplitMix64(seed: 2024)
        var rejected = 0, delivered = 0
        for round in 0..<20_000 {
            let input = Self.connectionBytes(&rng)
            let reference = try Self.run(input, libraryChecks: true)
            let ours = try Self.run(input, libraryChecks: false)
            #expect(ours == reference, "round \(round): nghttp2 \(Self.summary(reference)), ours \(Self.summary(ours))")
            if reference.events.contains(where: { if case .request = $0 { true } else { false } }) { delivered += 1 } else { rejected += 1 }
        }
        // Both kinds were generated in numbers.
        #expect(delivered > 2000 && rejected > 2000)
    }

    /// The content-length the server connection sizes the body by: the field's digits as a
    /// number while the request is delivered (nghttp2 accepted only digits before, and the
    /// connection parsed them with Int64(String)); none without the field.
    @Test func receivedContentLengthIsTheFieldValue() throws {
        var values = ["0", "1", "00", "007", "284", "9223372036854775807"]
        var rng = SplitMix64(seed: 5)
        for _ in 0..<300 { values.append(String(rng.next() % 1_000_000_000_000)) }
        for v in values + ["none"] {
            let server = HTTP2Session(role: .server)
            let d = RecordingDelegate()
            server.delegate = d
            var seen: Int64?? = .none
            d.onRequest = { session, _, _, _ in seen = .some(session.receivedContentLength) }
            var fields = [(":method", "POST"), (":scheme", "https"), (":path", "/"), (":authority", "a")]
            if v != "none" { fields.append(("content-length", v)) }
            try server.receive(clientPreface + frame(type: 0x4, flags: 0, stream: 0, []) + frame(type: 0x1, flags: 0x4, stream: 1, Self.block(fields)))
            #expect(seen == .some(v == "none" ? nil : Int64(v)), "\(v)")
        }
        // A value that is not plain digits never gets that far.
        for v in ["", " 5", "5 ", "+5", "-1", "1a", "9223372036854775808"] {
            #expect(Array(v.utf8).withUnsafeBufferPointer { HTTP2RequestRules.parseUInt($0) } == -1, "\(v)")
        }
    }

    /// An outcome in brief, for failure messages.
    static func summary(_ o: Outcome) -> String {
        let ev = o.events.map { e -> String in
            switch e {
            case let .request(id, h, _, end): return "req(\(id) \(h.method) end:\(end))"
            case let .endStream(id): return "end(\(id))"
            case let .closed(id, c): return "closed(\(id) \(c))"
            case let .trailers(id, _): return "trailers(\(id))"
            default: return "\(e)"
            }
        }
        let frames = parseFrames(o.output).map { "t\($0.type) f\($0.flags) s\($0.streamID) \($0.payload)" }
        return "\(ev) data:\(o.data) failed:\(o.failed) out:\(frames)"
    }

    /// What one server session did with `input`.
    struct Outcome: Equatable {
        var events: [RecordingDelegate.Event]
        var data: [Int32: [UInt8]]
        var output: [UInt8]
        var failed: Bool
    }

    static func run(_ input: [UInt8], libraryChecks: Bool) throws -> Outcome {
        let server = HTTP2Session(role: .server, settings: HTTP2Settings(), libraryChecksRequests: libraryChecks)
        let d = RecordingDelegate()
        server.delegate = d
        var failed = false
        do { try server.receive(input) } catch { failed = true }
        var out: [UInt8] = []
        try? server.takeOutput(into: &out)
        return Outcome(events: d.events, data: d.data, output: out, failed: failed)
    }

    // MARK: - Generation

    static let names: [String] = [
        ":method", ":path", ":scheme", ":authority", ":protocol", ":status", ":foo", ":", "", "host",
        "content-length", "te", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
        "priority", "x-custom", "X-Upper", "bad name", "bad\u{1}", "user-agent", "cookie", "a:b", "é", "x_y~1",
        "content-type", "authorization", ":PATH", "Content-Length", ":method", ":path", "host", "content-length",
    ]

    static func value(for name: String, _ rng: inout SplitMix64) -> String {
        let generic = ["v", " lead", "trail ", "tab\there", "ctl\u{1}", "del\u{7f}", "", "ünï", "x y", "\t"]
        let specific: [String]
        switch name {
        case ":method": specific = ["GET", "POST", "CONNECT", "OPTIONS", "HEAD", "", " GET", "G ET", "get", "GE\u{1}T"]
        case ":path": specific = ["/", "/a?b", "*", "", "a", "/sp ace", "/\u{7f}", "/é", "//x"]
        case ":scheme": specific = ["http", "https", "HTTP", "ftp", "1x", "", "h+t.p", "ht tp"]
        case ":authority", "host": specific = ["example.com", "ex ample", "", "a@b:1", "[::1]:80", "é", "h:1/x", "a{b}"]
        case "content-length": specific = ["0", "3", "5", "10", "-1", "+5", "", "99999999999999999999", "05", " 5", "9223372036854775807"]
        case "te": specific = ["trailers", "Trailers", "gzip", "", "trailers, gzip"]
        default: specific = []
        }
        let all = specific.isEmpty || rng.next() % 5 == 0 ? generic + specific : specific
        return all[Int(rng.next() % UInt64(all.count))]
    }

    /// Preface, SETTINGS, then one to three streams: HEADERS, DATA, trailers.
    static func connectionBytes(_ rng: inout SplitMix64) -> [UInt8] {
        var bytes = clientPreface + frame(type: 0x4, flags: 0, stream: 0, [])
        for k in 0..<(1 + Int(rng.next() % 3)) {
            let stream = UInt32(1 + 2 * k)
            var fields: [(String, String)] = []
            if rng.next() % 4 != 0 {
                fields = [(":method", rng.next() % 6 == 0 ? "CONNECT" : "POST"), (":scheme", "https"), (":path", "/v1/x"),
                          (":authority", "api.example")]
                if fields[0].1 == "CONNECT" && rng.next() % 2 == 0 { fields = [fields[0], fields[3]] }
            }
            for _ in 0..<Int(rng.next() % 4) {
                let name = names[Int(rng.next() % UInt64(names.count))]
                let field = (name, value(for: name, &rng))
                fields.insert(field, at: Int(rng.next() % UInt64(fields.count + 1)))
            }
            if rng.next() % 3 == 0 { fields.append(("content-length", ["0", "3", "4", "7"][Int(rng.next() % 4)])) }
            let dataFrames = Int(rng.next() % 3)
            let trailers = rng.next() % 5 == 0
            let endOnHeaders = dataFrames == 0 && !trailers && rng.next() % 2 == 0
            bytes += frame(type: 0x1, flags: 0x4 | (endOnHeaders ? 0x1 : 0), stream: stream, block(fields))
            for i in 0..<dataFrames {
                let last = i == dataFrames - 1 && !trailers
                var payload = Array(repeating: UInt8(0x61), count: Int(rng.next() % 5))
                var flags: UInt8 = last && rng.next() % 4 != 0 ? 0x1 : 0
                if rng.next() % 6 == 0 {  // PADDED: padding is not content
                    let pad = Int(rng.next() % 3)
                    payload = [UInt8(pad)] + payload + Array(repeating: 0, count: pad)
                    flags |= 0x8
                }
                bytes += frame(type: 0x0, flags: flags, stream: stream, payload)
            }
            if trailers {
                var t: [(String, String)] = [("x-trailer", "t")]
                if rng.next() % 2 == 0 {
                    let name = names[Int(rng.next() % UInt64(names.count))]
                    t.append((name, value(for: name, &rng)))
                }
                bytes += frame(type: 0x1, flags: 0x4 | (rng.next() % 4 != 0 ? 0x1 : 0), stream: stream, block(t))
            }
        }
        return bytes
    }

    /// HPACK: every field a literal without indexing and with a new name, no Huffman.
    static func block(_ fields: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in fields {
            let n = Array(name.utf8), v = Array(value.utf8)
            out += [0x00, UInt8(n.count)] + n + [UInt8(v.count)] + v
        }
        return out
    }
}


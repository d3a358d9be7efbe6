import Testing
@testable import TollgateHTTP

/// A parser event with body bytes copied out, so runs with different splits compare equal.
enum Ev: Equatable, CustomStringConvertible {
    case req(HTTPRequestHead, HTTP1BodyFraming)
    case resp(HTTPResponseHead, HTTP1BodyFraming)
    case body([UInt8])
    case trailers(HTTPHeaders)
    case end

    var description: String {
        switch self {
        case .req(let h, let f): return "req(\(h.method) \(h.target) \(h.version) \(h.headers.fields.map { "\($0.name)=\($0.value)" }) \(f))"
        case .resp(let h, let f): return "resp(\(h.status) \(h.reason) \(h.headers.fields.map { "\($0.name)=\($0.value)" }) \(f))"
        case .body(let b): return "body(\(String(decoding: b, as: UTF8.self).debugDescription))"
        case .trailers(let t): return "trailers(\(t.fields.map { "\($0.name)=\($0.value)" }))"
        case .end: return "end"
        }
    }
}

/// What a whole run produced: events (adjacent bodies merged) and the error that stopped it.
struct Run: Equatable {
    var events: [Ev] = []
    var error: HTTP1ParseError?
    /// Bytes the parser left unconsumed at the end (need-more state holds none).
    var leftover = 0

    mutating func add(_ e: Ev) {
        if case .body(let b) = e, case .body(let prev)? = events.last {
            events[events.count - 1] = .body(prev + b)
        } else {
            events.append(e)
        }
    }
}

/// Anything with the parsers' `next` contract.
protocol HTTP1Parsing {
    mutating func next(_ input: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> (consumed: Int, event: HTTP1ParserEvent?)
}
extension HTTP1RequestParser: HTTP1Parsing {}
extension HTTP1ResponseParser: HTTP1Parsing {}

/// Feeds `bytes` cut at `cuts` the way a connection would: unconsumed bytes are kept and
/// re-offered with the next read; each call's events are checked and body ranges copied out.
func drive<P: HTTP1Parsing>(_ parser: inout P, _ bytes: [UInt8], cuts: [Int] = [], onEvent: (Ev, inout P) -> Void = { _, _ in }) -> Run {
    var run = Run()
    var pending: [UInt8] = []
    var pieces: [ArraySlice<UInt8>] = []
    var last = 0
    for c in cuts.sorted() where c > last && c < bytes.count {
        pieces.append(bytes[last..<c]); last = c
    }
    pieces.append(bytes[last...])
    for piece in pieces {
        pending.append(contentsOf: piece)
        var guardCount = 0
        while true {
            guardCount += 1
            if guardCount > 100_000 { Issue.record("parser made no progress"); return run }
            let res: Result<(consumed: Int, event: HTTP1ParserEvent?), HTTP1ParseError> = pending.withUnsafeBytes { b in
                do throws(HTTP1ParseError) { return .success(try parser.next(b)) } catch { return .failure(error) }
            }
            let r: (consumed: Int, event: HTTP1ParserEvent?)
            switch res {
            case .success(let v): r = v
            case .failure(let e): run.error = e; return run
            }
            #expect(r.consumed >= 0 && r.consumed <= pending.count)
            guard let event = r.event else {
                #expect(r.consumed == pending.count, "need-more must consume everything")
                pending.removeFirst(r.consumed)
                break
            }
            let ev: Ev
            switch event {
            case .requestHead(let h, let f): ev = .req(h, f)
            case .responseHead(let h, let f): ev = .resp(h, f)
            case .body(let range):
                #expect(!range.isEmpty && range.upperBound <= r.consumed, "body range must lie in consumed input")
                ev = .body(Array(pending[range]))
            case .trailers(let t): ev = .trailers(t)
            case .end: ev = .end
            }
            run.add(ev)
            onEvent(ev, &parser)
            pending.removeFirst(r.consumed)
        }
    }
    run.leftover = pending.count
    return run
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Parses a request stream whole, then one byte per call, and checks both agree.
func parseRequests(_ s: String, limits: HTTP1Limits = HTTP1Limits()) -> Run {
    parseRequests(bytes(s), limits: limits)
}

func parseRequests(_ b: [UInt8], limits: HTTP1Limits = HTTP1Limits()) -> Run {
    var whole = HTTP1RequestParser(limits: limits)
    let a = drive(&whole, b)
    var split = HTTP1RequestParser(limits: limits)
    let c = drive(&split, b, cuts: Array(0...b.count))
    #expect(a == c, "whole vs byte-at-a-time differ:\n\(a.events) \(String(describing: a.error))\n\(c.events) \(String(describing: c.error))")
    return a
}

/// The error code a request stream fails with, if any.
func requestError(_ s: String, limits: HTTP1Limits = HTTP1Limits()) -> HTTP1ParseError.Code? {
    parseRequests(s, limits: limits).error?.code
}

/// `withUnsafeBytes` for typed-throws closures (the stdlib one rethrows `any Error`).
func withBytes<T, E: Error>(_ a: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
    let r: Result<T, E> = a.withUnsafeBytes { b in
        do throws(E) { return .success(try body(b)) } catch { return .failure(error) }
    }
    return try r.get()
}

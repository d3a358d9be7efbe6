// libFuzzer target for HTTP1RequestParser; build and run with scripts/fuzz.
//
// Input: byte 0 picks limits, byte 1 seeds the read split, the rest is the wire. The stream is
// parsed whole and in pieces; both runs must agree (same events, same body bytes, same error),
// every call must respect the API contract, and nothing may trap.

/// A parser event with body bytes copied out, so runs with different splits compare equal.
enum FuzzEvent: Equatable {
    case head(HTTPRequestHead, HTTP1BodyFraming)
    case body([UInt8])
    case trailers(HTTPHeaders)
    case end
}

struct FuzzRun: Equatable {
    var events: [FuzzEvent] = []
    var error: HTTP1ParseError?

    mutating func add(_ e: FuzzEvent) {
        if case .body(let b) = e, case .body(let prev)? = events.last {
            events[events.count - 1] = .body(prev + b)
        } else {
            events.append(e)
        }
    }
}

/// Piece lengths from a small LCG seeded by `seed`; seed 0 means one piece.
func fuzzPieces(_ count: Int, seed: UInt8) -> [Int] {
    guard seed != 0 else { return [count] }
    var state = UInt32(seed) &* 2_654_435_761
    var out: [Int] = []
    var left = count
    let maxPiece = Int(seed % 17) + 1
    while left > 0 {
        state = state &* 1_103_515_245 &+ 12345
        let n = min(left, Int(state >> 16) % maxPiece + 1)
        out.append(n)
        left -= n
    }
    return out
}

func fuzzRun(_ input: UnsafeRawBufferPointer, limits: HTTP1Limits, seed: UInt8) -> FuzzRun {
    var parser = HTTP1RequestParser(limits: limits)
    var run = FuzzRun()
    var pending: [UInt8] = []
    var offset = 0
    for n in fuzzPieces(input.count, seed: seed) {
        pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[offset..<(offset + n)]))
        offset += n
        var calls = 0
        while true {
            calls += 1
            precondition(calls < 1_000_000, "no progress")
            let res: Result<(consumed: Int, event: HTTP1ParserEvent?), HTTP1ParseError> = pending.withUnsafeBytes { b in
                do throws(HTTP1ParseError) { return .success(try parser.next(b)) } catch { return .failure(error) }
            }
            let r: (consumed: Int, event: HTTP1ParserEvent?)
            switch res {
            case .success(let v): r = v
            case .failure(let e):
                run.error = e
                precondition([400, 413, 414, 431, 501, 505].contains(e.status), "unexpected status")
                return run
            }
            precondition(r.consumed >= 0 && r.consumed <= pending.count, "consumed out of range")
            guard let event = r.event else {
                precondition(r.consumed == pending.count, "need-more must consume everything")
                pending.removeAll(keepingCapacity: true)
                break
            }
            switch event {
            case .requestHead(let h, let f):
                run.add(.head(h, f))
                checkReserialization(h, f, limits: limits)
            case .responseHead: preconditionFailure("response head from a request parser")
            case .body(let range):
                precondition(!range.isEmpty && range.lowerBound >= 0 && range.upperBound <= r.consumed, "body range out of bounds")
                run.add(.body(Array(pending[range])))
            case .trailers(let t): run.add(.trailers(t))
            case .end:
                run.add(.end)
                precondition(parser.isIdle, "not idle after end")
            }
            pending.removeFirst(r.consumed)
        }
    }
    return run
}

/// A parsed head, serialized again, must parse back to itself with the same framing.
func checkReserialization(_ head: HTTPRequestHead, _ framing: HTTP1BodyFraming, limits: HTTP1Limits) {
    var wire: [UInt8] = []
    HTTP1Serializer.appendRequestHead(head, to: &wire)
    // Re-serialized heads can be a little longer ("Name: value"), so only the body limit is kept.
    var parser = HTTP1RequestParser(limits: HTTP1Limits(maxRequestLineBytes: 1 << 20, maxHeaderBytes: 1 << 20, maxHeaderCount: 1 << 20, maxBodyBytes: limits.maxBodyBytes))
    let res: Result<(consumed: Int, event: HTTP1ParserEvent?), HTTP1ParseError> = wire.withUnsafeBytes { b in
        do throws(HTTP1ParseError) { return .success(try parser.next(b)) } catch { return .failure(error) }
    }
    guard case .success(let r) = res else { preconditionFailure("re-serialized head does not parse") }
    precondition(r.consumed == wire.count, "re-serialized head not consumed whole")
    precondition(r.event == .requestHead(head, framing), "re-serialized head parses differently")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let cfg = data[0], seed = data[1]
    let input = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    // Half the inputs use tiny limits so every limit path is reachable.
    let limits = cfg & 1 == 0
        ? HTTP1Limits()
        : HTTP1Limits(
            maxRequestLineBytes: Int(cfg >> 1 & 7) * 6 + 8, maxHeaderBytes: Int(cfg >> 4) * 12 + 16,
            maxHeaderCount: Int(cfg >> 2 & 3) + 1, maxBodyBytes: Int64(cfg >> 3 & 3) * 20, maxChunkLineBytes: Int(cfg >> 5 & 3) + 2)
    let whole = fuzzRun(input, limits: limits, seed: 0)
    let split = fuzzRun(input, limits: limits, seed: seed | 1)
    precondition(whole == split, "whole and split parses differ")
    return 0
}

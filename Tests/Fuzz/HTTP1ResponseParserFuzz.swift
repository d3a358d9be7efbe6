// libFuzzer target for HTTP1ResponseParser; build and run with scripts/fuzz.
//
// Input: byte 0 picks limits and the request method, byte 1 seeds the read split, the rest is the
// wire. Parsed whole and in pieces, then finishAtEOF; both runs must agree and nothing may trap.

enum FuzzEvent: Equatable {
    case head(HTTPResponseHead, HTTP1BodyFraming)
    case body([UInt8])
    case trailers(HTTPHeaders)
    case end
    case eof(HTTP1ParserEvent?)
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

func fuzzRun(_ input: UnsafeRawBufferPointer, limits: HTTP1Limits, method: String, seed: UInt8) -> FuzzRun {
    var parser = HTTP1ResponseParser(limits: limits)
    parser.expectResponse(toMethod: method)
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
            case .failure(let e): run.error = e; return run
            }
            precondition(r.consumed >= 0 && r.consumed <= pending.count, "consumed out of range")
            guard let event = r.event else {
                precondition(r.consumed == pending.count, "need-more must consume everything")
                pending.removeAll(keepingCapacity: true)
                break
            }
            switch event {
            case .responseHead(let h, let f): run.add(.head(h, f))
            case .requestHead: preconditionFailure("request head from a response parser")
            case .body(let range):
                precondition(!range.isEmpty && range.upperBound <= r.consumed, "body range out of bounds")
                run.add(.body(Array(pending[range])))
            case .trailers(let t): run.add(.trailers(t))
            case .end:
                run.add(.end)
                parser.expectResponse(toMethod: method)
            }
            pending.removeFirst(r.consumed)
        }
    }
    do throws(HTTP1ParseError) {
        run.add(.eof(try parser.finishAtEOF()))
    } catch {
        precondition(error.code == .truncated || run.error != nil, "EOF error other than truncated")
        run.error = error
    }
    return run
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let cfg = data[0], seed = data[1]
    let input = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    let method = ["GET", "HEAD", "CONNECT", "POST"][Int(cfg >> 6)]
    let limits = cfg & 1 == 0
        ? HTTP1Limits(maxBodyBytes: .max)
        : HTTP1Limits(
            maxRequestLineBytes: Int(cfg >> 1 & 7) * 6 + 12, maxHeaderBytes: Int(cfg >> 3 & 7) * 16 + 20,
            maxHeaderCount: Int(cfg >> 2 & 3) + 1, maxBodyBytes: Int64(cfg >> 4 & 3) * 20, maxChunkLineBytes: Int(cfg >> 5 & 1) * 4 + 2)
    let whole = fuzzRun(input, limits: limits, method: method, seed: 0)
    let split = fuzzRun(input, limits: limits, method: method, seed: seed | 1)
    precondition(whole == split, "whole and split parses differ")
    return 0
}

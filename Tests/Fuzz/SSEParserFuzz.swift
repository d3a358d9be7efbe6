// libFuzzer target for SSEParser; build and run with scripts/fuzz.
//
// Input: byte 0 picks the event size limit, byte 1 seeds the feed split, the rest is the stream.
// Fed whole and in pieces: the events' fields must agree, and the raw bytes of all events plus
// finish()'s remainder must give back the input exactly. SSEStreamSplitter (oversized events
// passed through) must give back the input exactly whatever the limit. Nothing may trap.

struct Fields: Equatable {
    var event: String?
    var data: String
    var hasData: Bool
    var id: String?
    var retry: Int?
    var isCommentOnly: Bool
    init(_ e: SSEEvent) {
        event = e.event; data = e.data; hasData = e.hasData; id = e.id; retry = e.retry; isCommentOnly = e.isCommentOnly
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

/// The events' fields, the concatenated raw bytes, and whether the size limit tripped.
func fuzzRun(_ input: UnsafeRawBufferPointer, maxEventBytes: Int, seed: UInt8) -> ([Fields], [UInt8], Bool) {
    var parser = SSEParser(maxEventBytes: maxEventBytes)
    var fields: [Fields] = []
    var raw: [UInt8] = []
    var offset = 0
    for n in fuzzPieces(input.count, seed: seed) {
        do throws(SSEParseError) {
            try parser.feed(UnsafeRawBufferPointer(rebasing: input[offset..<(offset + n)])) { e in
                precondition(e.raw.count <= maxEventBytes, "event over the limit")
                fields.append(Fields(e))
                raw += e.raw
            }
        } catch {
            return (fields, raw, true)
        }
        precondition(parser.bufferedByteCount <= maxEventBytes, "buffer over the limit")
        offset += n
    }
    if let rest = parser.finish() {
        // The LF of a CRLF split across feeds, alone at the end, is handed back as a fieldless
        // remainder; a whole feed keeps it in the last event. Only the fields list differs.
        if rest.raw != [0x0A] { fields.append(Fields(rest)) }
        raw += rest.raw
    }
    return (fields, raw, false)
}

/// Everything SSEStreamSplitter emits (events, pass-through pieces, the remainder), in order.
func splitterOutput(_ input: UnsafeRawBufferPointer, maxEventBytes: Int, seed: UInt8) -> [UInt8] {
    var splitter = SSEStreamSplitter(maxEventBytes: maxEventBytes)
    var out: [UInt8] = []
    var offset = 0
    for n in fuzzPieces(input.count, seed: seed) {
        splitter.feed(UnsafeRawBufferPointer(rebasing: input[offset..<(offset + n)]), onEvent: { e in
            precondition(e.raw.count <= maxEventBytes, "splitter event over the limit")
            out += e.raw
        }, passThrough: { out += Array($0) })
        offset += n
    }
    if let rest = splitter.finish() { out += rest.raw }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let cfg = data[0], seed = data[1]
    let input = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    let maxEventBytes = cfg & 1 == 0 ? 1 << 20 : Int(cfg >> 1) + 1
    let (wholeFields, wholeRaw, wholeFailed) = fuzzRun(input, maxEventBytes: maxEventBytes, seed: 0)
    let (splitFields, splitRaw, splitFailed) = fuzzRun(input, maxEventBytes: maxEventBytes, seed: seed | 1)
    // A CRLF split across feeds moves its LF into the next event, which can shift the size limit
    // by one byte; compare fully only when neither run hit the limit.
    if !wholeFailed && !splitFailed {
        precondition(wholeFields == splitFields, "whole and split events differ")
        precondition(wholeRaw == Array(input), "raw bytes do not give back the input (whole)")
        precondition(splitRaw == Array(input), "raw bytes do not give back the input (split)")
    }
    precondition(splitterOutput(input, maxEventBytes: maxEventBytes, seed: seed | 1) == Array(input), "splitter lost or reordered bytes")
    return 0
}

import Testing
@testable import TollgateHTTP
import TollgateTestSupport

struct HTTP1BytesTests {
    /// The eight-bytes-at-a-time printable-ASCII scan agrees with a byte loop on random input.
    @Test func skipPrintableASCIIMatchesNaive() {
        var rng = SplitMix64(seed: 3)
        let interesting: [UInt8] = [0x00, 0x09, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0xFF, 0x41]
        for _ in 0..<3000 {
            let n = Int.random(in: 0...40, using: &rng)
            let buf = (0..<n).map { _ in Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0x20...0x7E, using: &rng) }
            let from = Int.random(in: 0...n, using: &rng)
            let to = Int.random(in: from...n, using: &rng)
            let naive = buf[from..<to].firstIndex { $0 < 0x20 || $0 >= 0x7F } ?? to
            let fast = buf.withUnsafeBytes { HTTP1Bytes.skipPrintableASCII($0, from: from, to: to) }
            #expect(fast == naive, "\(buf) \(from)..<\(to)")
        }
    }

    /// Token bytes are exactly RFC 9110 tchar.
    @Test func tokenTable() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for b in 0...255 { #expect(HTTP1Bytes.isToken(UInt8(b)) == tchar.contains(UInt8(b)), "byte \(b)") }
    }
}

extension HTTP1BytesTests {
    /// The tchar table the field-name loop uses agrees with the mask test for every byte.
    @Test func tokenTableMatchesMasks() {
        var line = [UInt8](repeating: 0x0D, count: 2)
        for b in 0...255 {
            line[0] = UInt8(b)
            let stop = line.withUnsafeBufferPointer { HTTP1Bytes.skipTokens($0.baseAddress!, from: 0) }
            #expect((stop == 1) == HTTP1Bytes.isToken(UInt8(b)), "byte \(b)")
        }
    }
}

extension HTTP1BytesTests {
    /// The eight-bytes-at-a-time name comparison agrees with the byte loop for every name made
    /// of tchar bytes near the two literals it serves (case changes and single-byte edits).
    @Test func nameEqualsLowercaseMatchesByteLoop() {
        let tchars = (0...127).map(UInt8.init).filter(HTTP1Bytes.isToken)
        for literal in ["content-length", "transfer-encoding"] as [StaticString] {
            let base = Array(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
            var candidates: [[UInt8]] = [base, base.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }]
            for i in base.indices { for c in tchars { var v = base; v[i] = c; candidates.append(v) } }
            candidates.append(Array(base.dropLast()))
            for v in candidates {
                let fast = v.withUnsafeBytes { HTTP1Bytes.nameEqualsLowercase($0, 0..<v.count, literal) }
                let slow = v.withUnsafeBytes { HTTP1Bytes.equalsLowercase($0, 0..<v.count, literal) }
                #expect(fast == slow, "\(String(decoding: v, as: UTF8.self))")
            }
        }
    }
}

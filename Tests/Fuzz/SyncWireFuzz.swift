// libFuzzer target for the sync wire decoder. Built by SyncWireFuzz.sh together with the
// TollgateSync sources (same module), so it can reach the internal parser directly.
//
// Input byte 0 chooses the path:
//   even: the rest is a raw frame (header, key id, length, MAC checks);
//   odd:  the rest is a payload, framed and signed with the test key, so mutations reach the
//         message parser behind the MAC.
// The decoder must never trap; anything it accepts must re-encode and decode to the same value.
import TollgateCrypto

let fuzzSecret: [UInt8] = Array("fuzz-secret".utf8)
nonisolated(unsafe) var fuzzCodec = WireCodec(keyring: WireKeyring(keyID: 1, secret: fuzzSecret))

@_cdecl("LLVMFuzzerTestOneInput")
public func syncWireFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    var frame: [UInt8]
    if input[0] & 1 == 0 {
        frame = Array(input.dropFirst())
    } else {
        let payload = Array(input.dropFirst())
        let n = payload.count
        frame = [0x54, 0x47, WireCodec.version, 1, UInt8(n >> 24 & 255), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] + payload
        frame += Digest.hmacSHA256(key: fuzzSecret, message: frame)
    }
    if let (msg, used) = try? fuzzCodec.decode(frame) {
        precondition(used <= frame.count)
        let again = fuzzCodec.encode(msg)
        guard let (back, _) = try? fuzzCodec.decode(again), back == msg else { fatalError("re-encode mismatch for \(msg)") }
    }
    return 0
}

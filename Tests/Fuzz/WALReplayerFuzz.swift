// libFuzzer harness for the WAL replayer and recovery. Not a SwiftPM target; build and run with
// Tests/Fuzz/WALFuzz.sh. Properties checked on every input:
//  - replay never crashes and accounts for every byte (valid + truncated == input length);
//  - re-encoding the records replayed gives back exactly the valid prefix (canonical codec);
//  - feeding the same bytes in two pieces gives the same records;
//  - recovery over the records never crashes;
//  - the input as the payload of a frame with a correct length and CRC (so the decoder sees
//    CRC-valid garbage, which random bytes alone almost never reach) decodes or is refused,
//    never crashes, and what decodes re-encodes to the same bytes.

@_cdecl("LLVMFuzzerTestOneInput")
public func walReplayerFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let (records, report) = WALReplayer.replay(bytes)
    precondition(report.validBytes + report.truncatedBytes == bytes.count)
    var again: [UInt8] = []
    for r in records { r.encode(into: &again) }
    precondition(again[...] == bytes[..<report.validBytes], "non-canonical round trip")

    var split = WALReplayer()
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    let pieces = split.feed(bytes[..<cut]) + split.feed(bytes[cut...])
    precondition(pieces == records)

    var recovery = WALRecovery()
    recovery.apply(records)

    if !bytes.isEmpty {
        var frame: [UInt8] = []
        let length = UInt32(bytes.count)
        for i in 0..<4 { frame.append(UInt8((length >> (8 * UInt32(i))) & 0xFF)) }
        let crc = frame.withUnsafeBytes { lb in bytes.withUnsafeBytes { CRC32C.update(CRC32C.update(0, lb), $0) } }
        for i in 0..<4 { frame.append(UInt8((crc >> (8 * UInt32(i))) & 0xFF)) }
        frame += bytes
        let (decoded, r) = WALReplayer.replay(frame)
        if let record = decoded.first {
            precondition(r.stop == .clean && record.encoded == frame, "payload not canonical")
            recovery.apply(record)
        }
    }
    _ = recovery.charged
    _ = recovery.snapshotChargingOpen()
    return 0
}

import TollgateCrypto

/// The sync wire format, version 2 (2 added coordinator-set terms: fencing of superseded key
/// owners; version 1 frames are rejected as `unsupportedVersion` and counted). A frame is
///
///     magic "TG" (2) | version (1) | key id (1) | payload length (4, big endian)
///     | payload (type byte + fields) | HMAC-SHA256(header + payload) (32)
///
/// Integers are LEB128 varints (signed ones zig-zag), strings and arrays are count-prefixed.
/// The MAC is checked (in constant time) before the payload is parsed; unknown versions, unknown
/// keys, bad MACs and malformed payloads are rejected with a typed error and counted.
public struct WireCodec: Sendable {
    public static let magic: (UInt8, UInt8) = (0x54, 0x47)
    public static let version: UInt8 = 2
    public static let headerSize = 8
    public static let macSize = 32
    /// Largest payload accepted (a push-pull digest of ~10k members fits).
    public static let maxPayload = 4 << 20

    public var keyring: WireKeyring
    /// Rejected frames by reason.
    public private(set) var rejected: [WireErrorCode: Int] = [:]
    public private(set) var accepted = 0

    public init(keyring: WireKeyring) { self.keyring = keyring }

    /// One frame for `message`, signed with the current key.
    public func encode(_ message: SyncMessage) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.reserveCapacity(64)
        w.u8(Self.magic.0); w.u8(Self.magic.1); w.u8(Self.version); w.u8(keyring.currentID)
        w.u8(0); w.u8(0); w.u8(0); w.u8(0)
        w.u8(message.typeCode)
        w.body(message)
        let len = w.bytes.count - Self.headerSize
        w.bytes[4] = UInt8(truncatingIfNeeded: len >> 24); w.bytes[5] = UInt8(truncatingIfNeeded: len >> 16)
        w.bytes[6] = UInt8(truncatingIfNeeded: len >> 8); w.bytes[7] = UInt8(truncatingIfNeeded: len)
        let mac = Digest.hmacSHA256(key: keyring.currentSecret, message: w.bytes)
        w.bytes.append(contentsOf: mac)
        return w.bytes
    }

    /// Total frame size announced by the header at the start of `bytes`, or nil if fewer than
    /// `headerSize` bytes are available. Does not validate beyond the length.
    public static func frameLength(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= headerSize else { return nil }
        let b = bytes.startIndex
        let len = Int(bytes[b + 4]) << 24 | Int(bytes[b + 5]) << 16 | Int(bytes[b + 6]) << 8 | Int(bytes[b + 7])
        return headerSize + len + macSize
    }

    /// Decodes the frame at the start of `bytes`; returns the message and the bytes consumed.
    /// Counts every rejection except `.truncated` (which only means "read more").
    public mutating func decode(_ bytes: ArraySlice<UInt8>) throws(WireError) -> (SyncMessage, Int) {
        do {
            let r = try Self.decodeFrame(bytes, keyring: keyring)
            accepted += 1
            return r
        } catch {
            if error.code != .truncated { rejected[error.code, default: 0] += 1 }
            throw error
        }
    }

    public mutating func decode(_ bytes: [UInt8]) throws(WireError) -> (SyncMessage, Int) {
        try decode(bytes[...])
    }

    /// Pure decoding (no counters).
    public static func decodeFrame(_ bytes: ArraySlice<UInt8>, keyring: WireKeyring) throws(WireError) -> (SyncMessage, Int) {
        let b = bytes.startIndex
        if bytes.count >= 1 && bytes[b] != magic.0 { throw WireError(.badMagic, at: 0) }
        if bytes.count >= 2 && bytes[b + 1] != magic.1 { throw WireError(.badMagic, at: 1) }
        if bytes.count >= 3 && bytes[b + 2] != version { throw WireError(.unsupportedVersion, at: 2) }
        guard let total = frameLength(bytes) else { throw WireError(.truncated, at: bytes.count) }
        let payloadLen = total - headerSize - macSize
        guard payloadLen <= maxPayload else { throw WireError(.frameTooLarge, at: 4) }
        guard bytes.count >= total else { throw WireError(.truncated, at: bytes.count) }
        guard let secret = keyring.secret(for: bytes[b + 3]) else { throw WireError(.unknownKeyID, at: 3) }
        let signed = bytes[b ..< b + headerSize + payloadLen]
        let mac = Array(bytes[b + headerSize + payloadLen ..< b + total])
        guard Digest.constantTimeEquals(Digest.hmacSHA256(key: secret, message: signed), mac) else {
            throw WireError(.badMAC, at: headerSize + payloadLen)
        }
        var r = ByteReader(bytes[b + headerSize ..< b + headerSize + payloadLen], base: headerSize)
        let msg = try r.message()
        guard r.atEnd else { throw WireError(.trailingBytes, at: r.offset) }
        return (msg, total)
    }
}

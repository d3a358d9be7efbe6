/// Why a frame was rejected. The decoder never traps: every bad input maps to one of these.
public enum WireErrorCode: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Not enough bytes yet (stream use: read more and retry).
    case truncated = 1
    case badMagic = 2
    case unsupportedVersion = 3
    case unknownKeyID = 4
    case badMAC = 5
    case unknownMessageType = 6
    /// Bad varint, bad UTF-8, bad enum value, counts beyond limits.
    case malformed = 7
    case frameTooLarge = 8
    /// Bytes left over after the message inside an authenticated payload.
    case trailingBytes = 9

    public var description: String {
        switch self {
        case .truncated: "truncated"
        case .badMagic: "bad_magic"
        case .unsupportedVersion: "unsupported_version"
        case .unknownKeyID: "unknown_key_id"
        case .badMAC: "bad_mac"
        case .unknownMessageType: "unknown_message_type"
        case .malformed: "malformed"
        case .frameTooLarge: "frame_too_large"
        case .trailingBytes: "trailing_bytes"
        }
    }
}

/// A decoding error with its code and the byte offset where it was detected.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: WireErrorCode
    public var offset: Int
    public init(_ code: WireErrorCode, at offset: Int) { self.code = code; self.offset = offset }
    public var description: String { "wire error \(code) at byte \(offset)" }
}

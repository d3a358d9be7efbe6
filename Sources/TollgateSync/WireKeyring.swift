/// HMAC keys for the wire: frames are signed with the current key and verified with the current
/// or the previous one, so a shared secret rotates without a flag day (two keys accepted at once).
public struct WireKeyring: Sendable {
    public private(set) var currentID: UInt8
    private var keys: [UInt8: [UInt8]]
    private var previousID: UInt8?

    public init(keyID: UInt8, secret: [UInt8]) {
        currentID = keyID
        keys = [keyID: secret]
    }

    /// Makes `secret` current; the old current stays accepted, any older key is dropped.
    public mutating func rotate(to keyID: UInt8, secret: [UInt8]) {
        if let p = previousID, p != currentID, p != keyID { keys[p] = nil }
        previousID = currentID == keyID ? previousID : currentID
        currentID = keyID
        keys[keyID] = secret
    }

    /// Stops accepting the previous key (rotation finished everywhere).
    public mutating func retirePrevious() {
        if let p = previousID, p != currentID { keys[p] = nil }
        previousID = nil
    }

    public func secret(for keyID: UInt8) -> [UInt8]? { keys[keyID] }
    public var currentSecret: [UInt8] { keys[currentID]! }
    public var acceptedKeyIDs: [UInt8] { keys.keys.sorted() }
}

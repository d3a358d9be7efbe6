/// A POSTed JSON-RPC body: one message, or a batch (allowed by 2025-03-26, removed later; still
/// read so a policy sees every call in it).
public enum JSONRPCBody: Sendable, Equatable {
    case single(JSONRPCMessage)
    case batch([JSONRPCMessage])

    public var messages: [JSONRPCMessage] {
        switch self {
        case .single(let m): [m]
        case .batch(let ms): ms
        }
    }
}

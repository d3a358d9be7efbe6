/// Why an HTTP/1.x message was refused, and the status to answer a client with.
///
/// For the response parser the status still names the fault (for logs and metrics); a proxy
/// answers its own client 502 in that case.
public struct HTTP1ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case badRequestLine
        case badStatusLine
        case badHeaderName
        case badHeaderValue
        case obsFold
        case bareLF
        case bareCR
        case duplicateContentLength
        case invalidContentLength
        case contentLengthWithTransferEncoding
        case badTransferEncoding
        case unsupportedTransferEncoding
        case uriTooLong
        case headerTooLarge
        case tooManyHeaders
        case bodyTooLarge
        case badChunk
        case unsupportedVersion
        case truncated
        case missingHost
        case duplicateHost
        case badHost

        /// The status a server answers this fault with.
        public var status: Int {
            switch self {
            case .uriTooLong: return 414
            case .headerTooLarge, .tooManyHeaders: return 431
            case .bodyTooLarge: return 413
            case .unsupportedTransferEncoding: return 501
            case .unsupportedVersion: return 505
            default: return 400
            }
        }
    }

    public var code: Code
    public var status: Int
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.status = code.status
        self.message = message
    }

    public var description: String { "HTTP/1 parse error \(status) \(code.rawValue): \(message)" }
}

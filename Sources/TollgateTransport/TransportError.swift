import Glibc

/// A failed system call or TLS operation, with the errno text or OpenSSL reason.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case syscall
        case connectionRefused
        case connectTimeout
        case tls
        case tlsVerification
        case closed
        case resolve
    }
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func errno(_ call: String, _ err: Int32 = Glibc.errno) -> TransportError {
        let text = String(cString: strerror(err))
        if err == ECONNREFUSED { return TransportError(.connectionRefused, "\(call): \(text)") }
        return TransportError(.syscall, "\(call): \(text)")
    }

    public var description: String { message }
}

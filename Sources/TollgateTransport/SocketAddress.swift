import Glibc

/// An IPv4 or IPv6 socket address, parsed from "host:port" or "[v6]:port".
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Family: Sendable, Equatable { case inet, inet6 }
    public var host: String
    public var port: UInt16
    public var family: Family

    public init(host: String, port: UInt16) throws(SocketAddressError) {
        self.host = host
        self.port = port
        if host.contains(":") {
            var a6 = in6_addr()
            guard inet_pton(AF_INET6, host, &a6) == 1 else { throw SocketAddressError(input: host, reason: "not an IPv6 address") }
            family = .inet6
        } else {
            var a4 = in_addr()
            guard inet_pton(AF_INET, host, &a4) == 1 else { throw SocketAddressError(input: host, reason: "not an IPv4 address") }
            family = .inet
        }
    }

    /// Parses "127.0.0.1:8787", "[::1]:8787", "localhost:8787" (localhost maps to 127.0.0.1) or ":8787" (all interfaces).
    public init(parsing text: String) throws(SocketAddressError) {
        var hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw SocketAddressError(input: text, reason: "missing ']'") }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw SocketAddressError(input: text, reason: "expected ':port' after ']'") }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw SocketAddressError(input: text, reason: "expected host:port") }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portPart) else { throw SocketAddressError(input: text, reason: "port must be 0-65535") }
        if hostPart.isEmpty { hostPart = "0.0.0.0" }
        if hostPart == "localhost" { hostPart = "127.0.0.1" }
        try self.init(host: String(hostPart), port: port)
    }

    public var description: String { family == .inet6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Calls `body` with a sockaddr for this address.
    public func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        switch family {
        case .inet:
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            _ = inet_pton(AF_INET, host, &sa.sin_addr)
            return try withUnsafePointer(to: &sa) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .inet6:
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            _ = inet_pton(AF_INET6, host, &sa.sin6_addr)
            return try withUnsafePointer(to: &sa) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    /// Reads a peer address from raw sockaddr storage.
    public static func from(storage: inout sockaddr_storage) -> SocketAddress? {
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p -> SocketAddress? in
                    var a = p.pointee.sin_addr
                    guard inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count)) != nil else { return nil }
                    return try? SocketAddress(host: String(cString: buf), port: UInt16(bigEndian: p.pointee.sin_port))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p -> SocketAddress? in
                    var a = p.pointee.sin6_addr
                    guard inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count)) != nil else { return nil }
                    return try? SocketAddress(host: String(cString: buf), port: UInt16(bigEndian: p.pointee.sin6_port))
                }
            }
        default:
            return nil
        }
    }
}

/// A listen or connect address that does not parse.
public struct SocketAddressError: Error, Sendable, CustomStringConvertible {
    public var input: String
    public var reason: String
    public var description: String { "invalid address '\(input)': \(reason)" }
}

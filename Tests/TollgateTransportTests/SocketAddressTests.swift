import Testing
@testable import TollgateTransport

struct SocketAddressTests {
    /// IPv4, IPv6 and localhost forms parse; junk is refused.
    @Test func parsing() throws {
        let a = try SocketAddress(parsing: "127.0.0.1:8787")
        #expect(a.port == 8787 && a.family == .inet)
        let b = try SocketAddress(parsing: "[::1]:9")
        #expect(b.family == .inet6 && b.description == "[::1]:9")
        #expect(try SocketAddress(parsing: "localhost:1").host == "127.0.0.1")
        #expect(throws: SocketAddressError.self) { try SocketAddress(parsing: "127.0.0.1:70000") }
        #expect(throws: SocketAddressError.self) { try SocketAddress(parsing: "nohost") }
    }
}

import Testing
@testable import TollgateSidecar
import TollgateCrypto

struct VersionTests {
    /// The version is a dotted triple.
    @Test func versionShape() {
        #expect(TollgateVersion.string.split(separator: ".").count == 3)
    }

    /// HMAC-SHA256 matches RFC 4231 test case 2.
    @Test func hmacVector() {
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Digest.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}

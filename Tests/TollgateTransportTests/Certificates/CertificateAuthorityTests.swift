import Testing
@testable import TollgateTransport

struct CertificateAuthorityTests {
    static let now: Int64 = 1_800_000_000

    /// A created CA is self-signed, CA:TRUE with keyCertSign, P-256, valid from an hour back for the asked days.
    @Test func createsCA() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", days: 3650, now: Self.now)
        let c = ca.certificate
        #expect(c.subject == "CN=Test CA" && c.issuer == "CN=Test CA")
        #expect(c.isSigned(by: c))
        #expect(c.basicConstraintsText?.contains("CA:TRUE") == true)
        #expect(c.keyUsageText?.contains("Certificate Sign") == true)
        #expect(c.notBefore == Self.now - 3600 && c.notAfter == Self.now + 3650 * 86400)
        #expect(ca.key.isP256)
    }

    /// A minted leaf, parsed back from PEM by OpenSSL: SAN is the host, issuer the CA, signed by
    /// it, CA:FALSE, validity an hour back to 24 hours ahead, and a fresh serial every time.
    @Test func mintsLeaf() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", days: 30, now: Self.now)
        let (cert, key) = try ca.mintLeaf(host: "api.openai.com", now: Self.now, validitySeconds: 86400)
        let parsed = try X509Certificate(pem: try cert.pem())
        #expect(parsed.subjectAltNameText == "DNS:api.openai.com")
        #expect(parsed.subject == "CN=api.openai.com")
        #expect(parsed.issuer == ca.certificate.subject)
        #expect(parsed.isSigned(by: ca.certificate))
        #expect(!parsed.isSigned(by: parsed))
        #expect(parsed.basicConstraintsText?.contains("CA:FALSE") == true)
        #expect(parsed.notBefore == Self.now - 3600 && parsed.notAfter == Self.now + 86400)
        #expect(parsed.matches(key) && key.isP256)
        let (other, _) = try ca.mintLeaf(host: "api.openai.com", now: Self.now, validitySeconds: 86400)
        #expect(other.serialHex != parsed.serialHex && parsed.serialHex.count >= 30)
    }

    /// IP literals get an IP SAN; names that could smuggle extra SAN entries are refused.
    @Test func sanForms() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", days: 1, now: Self.now)
        let (ip, _) = try ca.mintLeaf(host: "127.0.0.1", now: Self.now, validitySeconds: 3600)
        #expect(ip.subjectAltNameText == "IP Address:127.0.0.1")
        #expect(throws: TransportError.self) { try ca.mintLeaf(host: "a.com,DNS:evil.com", now: Self.now, validitySeconds: 3600) }
        #expect(throws: TransportError.self) { try ca.mintLeaf(host: "", now: Self.now, validitySeconds: 3600) }
    }

    /// A CA whose key does not match its certificate is refused.
    @Test func mismatchedKeyRefused() throws {
        let a = try CertificateAuthority.create(commonName: "A", days: 1, now: Self.now)
        let b = try CertificateAuthority.create(commonName: "B", days: 1, now: Self.now)
        #expect(throws: TransportError.self) { try CertificateAuthority(certificate: a.certificate, key: b.key) }
    }

    /// A leaf certificate cannot serve as the CA.
    @Test func leafIsNotACA() throws {
        let ca = try CertificateAuthority.create(commonName: "Test CA", days: 1, now: Self.now)
        let (leaf, key) = try ca.mintLeaf(host: "a.test", now: Self.now, validitySeconds: 3600)
        #expect(throws: TransportError.self) { try CertificateAuthority(certificate: leaf, key: key) }
    }

    /// The key's description never shows key material.
    @Test func keyIsNotPrinted() throws {
        let k = try PrivateKey.generateP256()
        #expect("\(k)" == "<private key>")
        #expect(String(decoding: try k.pem(), as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }
}

import COpenSSL
import Glibc

/// An OpenSSL X.509 certificate, with the few facts Tollgate reads from one.
public final class X509Certificate: @unchecked Sendable {
    let x509: OpaquePointer

    init(adopting x509: OpaquePointer) { self.x509 = x509 }

    deinit { X509_free(x509) }

    /// Reads the first certificate of a PEM file.
    public convenience init(pemFile path: String) throws(TransportError) {
        guard let bio = BIO_new_file(path, "r") else { throw TLSContext.lastError("cannot open certificate file \(path)") }
        defer { BIO_free(bio) }
        guard let x = PEM_read_bio_X509(bio, nil, nil, nil) else { throw TLSContext.lastError("cannot read a PEM certificate from \(path)") }
        self.init(adopting: x)
    }

    /// Parses the first certificate of PEM text.
    public convenience init(pem: [UInt8]) throws(TransportError) {
        let bio = pem.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }
        guard let bio else { throw TLSContext.lastError("BIO_new_mem_buf") }
        defer { BIO_free(bio) }
        guard let x = PEM_read_bio_X509(bio, nil, nil, nil) else { throw TLSContext.lastError("cannot parse a PEM certificate") }
        self.init(adopting: x)
    }

    public func pem() throws(TransportError) -> [UInt8] {
        try PEMWriter.write { bio in PEM_write_bio_X509(bio, x509) }
    }

    /// Subject as a one-line RFC 2253 string ("CN=api.openai.com").
    public var subject: String { Self.text(X509_get_subject_name(x509)) }
    public var issuer: String { Self.text(X509_get_issuer_name(x509)) }

    /// Validity bounds in Unix seconds.
    public var notBefore: Int64 { Self.seconds(X509_get0_notBefore(x509)) }
    public var notAfter: Int64 { Self.seconds(X509_get0_notAfter(x509)) }

    /// The serial number as hex.
    public var serialHex: String {
        guard let bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(x509), nil) else { return "" }
        defer { BN_free(bn) }
        guard let s = BN_bn2hex(bn) else { return "" }
        defer { CRYPTO_free(s, #fileID, #line) }
        return String(cString: s)
    }

    /// The subjectAltName extension as OpenSSL prints it ("DNS:api.openai.com"), nil if absent.
    public var subjectAltNameText: String? { extensionText(TG_NID_subject_alt_name) }
    public var basicConstraintsText: String? { extensionText(TG_NID_basic_constraints) }
    public var keyUsageText: String? { extensionText(TG_NID_key_usage) }

    /// Whether `issuerCertificate`'s key signed this certificate.
    public func isSigned(by issuerCertificate: X509Certificate) -> Bool {
        guard let key = X509_get0_pubkey(issuerCertificate.x509) else { return false }
        return X509_verify(x509, key) == 1
    }

    /// Whether `key` is this certificate's private key.
    public func matches(_ key: PrivateKey) -> Bool { X509_check_private_key(x509, key.pkey) == 1 }

    func extensionText(_ nid: Int32) -> String? {
        let i = X509_get_ext_by_NID(x509, nid, -1)
        guard i >= 0, let ext = X509_get_ext(x509, i), let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard X509V3_EXT_print(bio, ext, 0, 0) == 1 else { return nil }
        return Self.drain(bio)
    }

    static func text(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        _ = X509_NAME_print_ex(bio, name, 0, TG_XN_FLAG_RFC2253)
        return drain(bio)
    }

    static func drain(_ bio: OpaquePointer) -> String {
        let n = Int(tg_BIO_mem_length(bio))
        var buf = [UInt8](repeating: 0, count: n)
        let got = buf.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(n)) }
        return String(decoding: buf.prefix(max(0, Int(got))), as: UTF8.self)
    }

    static func seconds(_ t: UnsafePointer<ASN1_TIME>?) -> Int64 {
        guard let t else { return 0 }
        var parts = tm()
        guard ASN1_TIME_to_tm(t, &parts) == 1 else { return 0 }
        return Int64(timegm(&parts))
    }
}

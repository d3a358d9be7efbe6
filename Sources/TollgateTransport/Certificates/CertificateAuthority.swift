import COpenSSL
import Glibc

/// An operator's CA: a certificate and its private key, able to mint short-lived leaf
/// certificates for TLS interception and to create itself for `tollgate ca init`.
/// Minting is thread-safe: the CA's objects are only read.
public final class CertificateAuthority: @unchecked Sendable {
    public let certificate: X509Certificate
    /// Never logged or printed: see `PrivateKey.description`.
    let key: PrivateKey

    public init(certificate: X509Certificate, key: PrivateKey) throws(TransportError) {
        guard certificate.matches(key) else {
            ERR_clear_error()
            throw TransportError(.tls, "the CA private key does not match the CA certificate")
        }
        // A leaf passed as the CA would mint certificates no client accepts: say so at start.
        guard X509_check_ca(certificate.x509) >= 1 else {
            throw TransportError(.tls, "the CA certificate is not a CA (basicConstraints CA:TRUE is missing)")
        }
        self.certificate = certificate
        self.key = key
    }

    /// Loads a CA from PEM files. Errors name the files, never the key's content.
    public convenience init(certificateFile: String, keyFile: String) throws(TransportError) {
        let cert = try X509Certificate(pemFile: certificateFile)
        let key = try PrivateKey(pemFile: keyFile)
        try self.init(certificate: cert, key: key)
    }

    /// A new self-signed CA: ECDSA P-256, CA:TRUE, keyCertSign, valid `days` from an hour ago.
    public static func create(commonName: String, days: Int, now: Int64) throws(TransportError) -> CertificateAuthority {
        let key = try PrivateKey.generateP256()
        let x = try newCertificate(subjectCN: commonName, key: key, notBefore: now - 3600, notAfter: now + Int64(days) * 86400)
        let cert = X509Certificate(adopting: x)
        X509_set_issuer_name(x, X509_get_subject_name(x))
        try addExtensions(issuer: x, to: x, [
            (TG_NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
            (TG_NID_key_usage, "critical,keyCertSign,cRLSign"),
            (TG_NID_subject_key_identifier, "hash"),
        ])
        try sign(x, with: key)
        return try CertificateAuthority(certificate: cert, key: key)
    }

    /// A leaf certificate for `host` (a DNS name or an IP address): a fresh P-256 key,
    /// SAN = host, serverAuth, a random serial, valid from an hour before `now` (clock skew)
    /// for `validitySeconds`, signed by this CA.
    public func mintLeaf(host: String, now: Int64, validitySeconds: Int64) throws(TransportError) -> (X509Certificate, PrivateKey) {
        guard let san = Self.subjectAltName(for: host) else {
            throw TransportError(.tls, "cannot mint a certificate for '\(host)': not a host name or IP address")
        }
        let leafKey = try PrivateKey.generateP256()
        let x = try Self.newCertificate(subjectCN: host, key: leafKey, notBefore: now - 3600, notAfter: now + validitySeconds)
        let cert = X509Certificate(adopting: x)
        X509_set_issuer_name(x, X509_get_subject_name(certificate.x509))
        try Self.addExtensions(issuer: certificate.x509, to: x, [
            (TG_NID_basic_constraints, "critical,CA:FALSE"),
            (TG_NID_key_usage, "critical,digitalSignature"),
            (TG_NID_ext_key_usage, "serverAuth"),
            (TG_NID_subject_key_identifier, "hash"),
            (TG_NID_authority_key_identifier, "keyid:always"),
            (TG_NID_subject_alt_name, san),
        ])
        try Self.sign(x, with: key)
        return (cert, leafKey)
    }

    /// "DNS:name" or "IP:addr"; nil for anything else (so nothing can be smuggled into the
    /// extension text, whose syntax uses commas and colons).
    static func subjectAltName(for host: String) -> String? {
        if (try? SocketAddress(host: host, port: 0)) != nil { return "IP:\(host)" }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        for c in host.utf8 {
            let ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E || c == 0x5F
            if !ok { return nil }
        }
        return "DNS:\(host)"
    }

    private static func newCertificate(subjectCN: String, key: PrivateKey, notBefore: Int64, notAfter: Int64) throws(TransportError) -> OpaquePointer {
        guard let x = X509_new() else { throw TLSContext.lastError("X509_new") }
        var ok = X509_set_version(x, 2) == 1
        var serial = [UInt8](repeating: 0, count: 16)
        ok = ok && RAND_bytes(&serial, Int32(serial.count)) == 1
        serial[0] &= 0x7F
        serial[0] |= 0x01  // positive, and never shorter than 16 bytes
        if ok, let bn = BN_bin2bn(serial, Int32(serial.count), nil) {
            ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nil
            BN_free(bn)
        } else {
            ok = false
        }
        var from = time_t(notBefore), until = time_t(notAfter)
        ok = ok && X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &from) != nil
        ok = ok && X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &until) != nil
        ok = ok && X509_set_pubkey(x, key.pkey) == 1
        ok = ok && X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", TG_MBSTRING_ASC, subjectCN, -1, -1, 0) == 1
        guard ok else {
            X509_free(x)
            throw TLSContext.lastError("cannot build a certificate")
        }
        return x
    }

    private static func addExtensions(issuer: OpaquePointer, to x: OpaquePointer, _ exts: [(Int32, String)]) throws(TransportError) {
        for (nid, value) in exts where tg_X509_add_ext_text(issuer, x, nid, value) != 1 {
            throw TLSContext.lastError("cannot add certificate extension \(value)")
        }
    }

    private static func sign(_ x: OpaquePointer, with key: PrivateKey) throws(TransportError) {
        guard X509_sign(x, key.pkey, EVP_sha256()) > 0 else { throw TLSContext.lastError("cannot sign a certificate") }
    }
}

extension CertificateAuthority {
    /// The CA key as PEM, for `tollgate ca init` to write to its 0600 file (and nothing else).
    public func keyPEM() throws(TransportError) -> [UInt8] { try key.pem() }
}

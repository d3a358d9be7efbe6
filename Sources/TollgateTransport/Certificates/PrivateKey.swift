import COpenSSL

/// An OpenSSL private key (EVP_PKEY). Its PEM is only ever written to a file the operator asked
/// for; the type has no description that could put key bytes in a log.
public final class PrivateKey: @unchecked Sendable, CustomStringConvertible {
    let pkey: OpaquePointer

    init(adopting pkey: OpaquePointer) { self.pkey = pkey }

    deinit { EVP_PKEY_free(pkey) }

    /// A new ECDSA P-256 key.
    public static func generateP256() throws(TransportError) -> PrivateKey {
        guard let k = tg_EVP_EC_gen_P256() else { throw TLSContext.lastError("cannot generate a P-256 key") }
        return PrivateKey(adopting: k)
    }

    /// Reads a PEM private key (PKCS#8 or traditional).
    public convenience init(pemFile path: String) throws(TransportError) {
        guard let bio = BIO_new_file(path, "r") else { throw TLSContext.lastError("cannot open key file \(path)") }
        defer { BIO_free(bio) }
        guard let k = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else { throw TLSContext.lastError("cannot read a PEM private key from \(path)") }
        self.init(adopting: k)
    }

    /// The key as unencrypted PKCS#8 PEM, for `tollgate ca init` to write to a 0600 file.
    public func pem() throws(TransportError) -> [UInt8] {
        try PEMWriter.write { bio in PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) }
    }

    /// Whether this is an EC key on P-256 (prime256v1).
    public var isP256: Bool {
        var name = [CChar](repeating: 0, count: 64)
        var len = 0
        guard EVP_PKEY_get_group_name(pkey, &name, name.count, &len) == 1 else { return false }
        return String(cString: name) == "prime256v1"
    }

    public var description: String { "<private key>" }
}

/// Collects what an OpenSSL PEM writer writes into a memory BIO.
enum PEMWriter {
    static func write(_ body: (OpaquePointer) -> Int32) throws(TransportError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw TLSContext.lastError("BIO_new") }
        defer { BIO_free(bio) }
        guard body(bio) == 1 else { throw TLSContext.lastError("cannot write PEM") }
        let n = Int(tg_BIO_mem_length(bio))
        var out = [UInt8](repeating: 0, count: n)
        let got = out.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(n)) }
        guard got == n else { throw TLSContext.lastError("cannot read PEM from memory") }
        return out
    }
}

import COpenSSL

extension TLSContext {
    /// A server context from a certificate and key in memory (a leaf minted for interception),
    /// sending `chain` (the issuing CA) after the leaf.
    public static func server(certificate: X509Certificate, key: PrivateKey, chain: [X509Certificate] = [],
                              alpn: [String] = ["h2", "http/1.1"]) throws(TransportError) -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSContext.lastError("SSL_CTX_new") }
        _ = tg_SSL_CTX_set_min_proto_version(ctx, TG_TLS1_2_VERSION)
        _ = tg_SSL_CTX_set_options(ctx, TG_SSL_OP_NO_COMPRESSION | TG_SSL_OP_NO_RENEGOTIATION)
        _ = tg_SSL_CTX_set_mode(ctx, TG_SSL_MODE_ENABLE_PARTIAL_WRITE | TG_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | TG_SSL_MODE_RELEASE_BUFFERS)
        var ok = SSL_CTX_use_certificate(ctx, certificate.x509) == 1
        ok = ok && SSL_CTX_use_PrivateKey(ctx, key.pkey) == 1
        ok = ok && SSL_CTX_check_private_key(ctx) == 1
        for c in chain where ok { ok = tg_SSL_CTX_add1_chain_cert(ctx, c.x509) == 1 }
        guard ok else {
            SSL_CTX_free(ctx)
            throw TLSContext.lastError("cannot use the minted certificate")
        }
        return TLSContext(ctx: ctx, isServer: true, alpn: alpn)
    }
}

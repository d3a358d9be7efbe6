import COpenSSL

/// Mutual TLS for private links (coordinator sync): a server that requires a client certificate
/// issued by one CA, and a client that presents one and trusts only the CA it is given.
extension TLSContext {
    /// A server context that requires every client to present a certificate that verifies
    /// against `clientCAFile`; a client without one fails the handshake.
    public static func server(certificateFile: String, keyFile: String, requiringClientsOf clientCAFile: String,
                              alpn: [String] = ["h2", "http/1.1"]) throws(TransportError) -> TLSContext {
        let context = try server(certificateFile: certificateFile, keyFile: keyFile, alpn: alpn)
        guard SSL_CTX_load_verify_locations(context.ctx, clientCAFile, nil) == 1 else {
            throw TLSContext.lastError("cannot load client CA file \(clientCAFile)")
        }
        // The CA names go into the CertificateRequest so clients pick the right certificate.
        if let names = SSL_load_client_CA_file(clientCAFile) { SSL_CTX_set_client_CA_list(context.ctx, names) }
        SSL_CTX_set_verify(context.ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        return context
    }

    /// A client context that verifies servers against `caFile` only (a private cluster CA), or
    /// the system store when nil, and presents `certificateFile`/`keyFile` when given.
    /// Verification is always on.
    public static func client(trusting caFile: String?, certificateFile: String?, keyFile: String?,
                              alpn: [String]) throws(TransportError) -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSContext.lastError("SSL_CTX_new") }
        _ = tg_SSL_CTX_set_min_proto_version(ctx, TG_TLS1_2_VERSION)
        _ = tg_SSL_CTX_set_options(ctx, TG_SSL_OP_NO_COMPRESSION | TG_SSL_OP_NO_RENEGOTIATION)
        _ = tg_SSL_CTX_set_mode(ctx, TG_SSL_MODE_ENABLE_PARTIAL_WRITE | TG_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
        if let caFile {
            guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
                SSL_CTX_free(ctx)
                throw TLSContext.lastError("cannot load CA file \(caFile)")
            }
        } else {
            _ = SSL_CTX_set_default_verify_paths(ctx)
        }
        if let certificateFile {
            guard let keyFile else {
                SSL_CTX_free(ctx)
                throw TransportError(.tls, "a client certificate needs its key file")
            }
            guard SSL_CTX_use_certificate_chain_file(ctx, certificateFile) == 1 else {
                SSL_CTX_free(ctx)
                throw TLSContext.lastError("cannot load certificate \(certificateFile)")
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(ctx) == 1 else {
                SSL_CTX_free(ctx)
                throw TLSContext.lastError("private key \(keyFile) does not load or match certificate \(certificateFile)")
            }
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        return TLSContext(ctx: ctx, isServer: false, alpn: alpn)
    }
}

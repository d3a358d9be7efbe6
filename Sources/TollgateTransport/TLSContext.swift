import COpenSSL
import Glibc

/// An OpenSSL context for one side: a server with a certificate and ALPN choice, or a client
/// that verifies peers against the system trust store (plus an optional extra CA). Contexts are
/// built at start-up or reload and shared read-only by every loop.
public final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    public let isServer: Bool
    /// ALPN protocols in preference order, in wire format (length-prefixed).
    private let alpnWire: UnsafeMutableBufferPointer<UInt8>

    init(ctx: OpaquePointer, isServer: Bool, alpn: [String]) {
        self.ctx = ctx
        self.isServer = isServer
        var wire: [UInt8] = []
        for p in alpn { wire.append(UInt8(p.utf8.count)); wire.append(contentsOf: p.utf8) }
        alpnWire = .allocate(capacity: max(wire.count, 1))
        _ = alpnWire.initialize(from: wire)
        alpnCount = wire.count
        if !wire.isEmpty {
            if isServer {
                SSL_CTX_set_alpn_select_cb(ctx, tollgateALPNSelect, Unmanaged.passUnretained(self).toOpaque())
            } else {
                _ = SSL_CTX_set_alpn_protos(ctx, alpnWire.baseAddress, UInt32(wire.count))
            }
        }
    }

    private let alpnCount: Int

    deinit {
        SSL_CTX_free(ctx)
        alpnWire.deallocate()
    }

    /// A server context from PEM certificate chain and key files.
    public static func server(certificateFile: String, keyFile: String, alpn: [String] = ["h2", "http/1.1"]) throws(TransportError) -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSContext.lastError("SSL_CTX_new") }
        _ = tg_SSL_CTX_set_min_proto_version(ctx, TG_TLS1_2_VERSION)
        _ = tg_SSL_CTX_set_options(ctx, TG_SSL_OP_NO_COMPRESSION | TG_SSL_OP_NO_RENEGOTIATION)
        _ = tg_SSL_CTX_set_mode(ctx, TG_SSL_MODE_ENABLE_PARTIAL_WRITE | TG_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | TG_SSL_MODE_RELEASE_BUFFERS)
        guard SSL_CTX_use_certificate_chain_file(ctx, certificateFile) == 1 else {
            SSL_CTX_free(ctx)
            throw TLSContext.lastError("cannot load certificate \(certificateFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1 else {
            SSL_CTX_free(ctx)
            throw TLSContext.lastError("cannot load private key \(keyFile)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            SSL_CTX_free(ctx)
            throw TLSContext.lastError("private key \(keyFile) does not match certificate \(certificateFile)")
        }
        return TLSContext(ctx: ctx, isServer: true, alpn: alpn)
    }

    /// A client context that verifies servers against the system store and `extraCAFile`.
    /// Verification is always on: there is deliberately no switch to skip it.
    public static func client(extraCAFile: String? = nil, alpn: [String] = ["http/1.1"]) throws(TransportError) -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSContext.lastError("SSL_CTX_new") }
        _ = tg_SSL_CTX_set_min_proto_version(ctx, TG_TLS1_2_VERSION)
        _ = tg_SSL_CTX_set_options(ctx, TG_SSL_OP_NO_COMPRESSION | TG_SSL_OP_NO_RENEGOTIATION)
        _ = tg_SSL_CTX_set_mode(ctx, TG_SSL_MODE_ENABLE_PARTIAL_WRITE | TG_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | TG_SSL_MODE_RELEASE_BUFFERS)
        _ = SSL_CTX_set_default_verify_paths(ctx)
        if let ca = extraCAFile {
            guard SSL_CTX_load_verify_locations(ctx, ca, nil) == 1 else {
                SSL_CTX_free(ctx)
                throw TLSContext.lastError("cannot load CA file \(ca)")
            }
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        return TLSContext(ctx: ctx, isServer: false, alpn: alpn)
    }

    /// A new SSL object bound to `fd`; for clients with SNI and host name verification.
    func makeSSL(fd: Int32, serverName: String?) throws(TransportError) -> OpaquePointer {
        guard let ssl = SSL_new(ctx) else { throw TLSContext.lastError("SSL_new") }
        SSL_set_fd(ssl, fd)
        if isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let name = serverName {
                let isIP = (try? SocketAddress(host: name, port: 0)) != nil
                if isIP {
                    let param = SSL_get0_param(ssl)
                    _ = X509_VERIFY_PARAM_set1_ip_asc(param, name)
                } else {
                    _ = tg_SSL_set_tlsext_host_name(ssl, name)
                    _ = tg_SSL_set1_host(ssl, name)
                }
            }
        }
        return ssl
    }

    fileprivate func selectALPN(_ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, _ outLen: UnsafeMutablePointer<UInt8>?,
                                _ input: UnsafePointer<UInt8>?, _ inLen: UInt32) -> Int32 {
        var o: UnsafeMutablePointer<UInt8>?
        var ol: UInt8 = 0
        let rc = SSL_select_next_proto(&o, &ol, alpnWire.baseAddress, UInt32(alpnCount), input, inLen)
        guard rc == TG_OPENSSL_NPN_NEGOTIATED, let chosen = o else { return TG_SSL_TLSEXT_ERR_NOACK }
        out?.pointee = UnsafePointer(chosen)
        outLen?.pointee = ol
        return TG_SSL_TLSEXT_ERR_OK
    }

    /// Drains OpenSSL's error queue into one message.
    static func lastError(_ what: String) -> TransportError {
        var parts: [String] = []
        while true {
            let e = ERR_get_error()
            if e == 0 { break }
            var buf = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(e, &buf, buf.count)
            parts.append(String(cString: buf))
        }
        return TransportError(.tls, parts.isEmpty ? what : "\(what): \(parts.joined(separator: "; "))")
    }
}

/// ALPN selection callback: hands over to the context at once.
private func tollgateALPNSelect(_ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
                                _ outLen: UnsafeMutablePointer<UInt8>?, _ input: UnsafePointer<UInt8>?,
                                _ inLen: UInt32, _ arg: UnsafeMutableRawPointer?) -> Int32 {
    guard let arg else { return TG_SSL_TLSEXT_ERR_NOACK }
    return Unmanaged<TLSContext>.fromOpaque(arg).takeUnretainedValue().selectALPN(out, outLen, input, inLen)
}

#ifndef TOLLGATE_COPENSSL_SHIM_H
#define TOLLGATE_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

// Swift cannot expand OpenSSL's function-like macros; these wrap the ones we use.
static inline long tg_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long tg_SSL_CTX_set_options(SSL_CTX *ctx, long opts) { return (long)SSL_CTX_set_options(ctx, (uint64_t)opts); }
static inline int tg_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_min_proto_version(ctx, v); }
static inline long tg_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, (char *)name); }
static inline int tg_SSL_set1_host(SSL *ssl, const char *name) { return SSL_set1_host(ssl, name); }
static inline long tg_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long m) { return SSL_CTX_set_session_cache_mode(ctx, m); }

static const long TG_SSL_MODE_ENABLE_PARTIAL_WRITE = SSL_MODE_ENABLE_PARTIAL_WRITE;
static const long TG_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER = SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
static const long TG_SSL_MODE_RELEASE_BUFFERS = SSL_MODE_RELEASE_BUFFERS;
static const long TG_SSL_OP_NO_COMPRESSION = SSL_OP_NO_COMPRESSION;
static const long TG_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
static const int TG_TLS1_2_VERSION = TLS1_2_VERSION;
static const int TG_SSL_TLSEXT_ERR_OK = SSL_TLSEXT_ERR_OK;
static const int TG_SSL_TLSEXT_ERR_NOACK = SSL_TLSEXT_ERR_NOACK;
static const int TG_OPENSSL_NPN_NEGOTIATED = OPENSSL_NPN_NEGOTIATED;
// Certificate minting (egress TLS interception, `tollgate ca init`).
static inline EVP_PKEY *tg_EVP_EC_gen_P256(void) { return EVP_EC_gen("P-256"); }
static inline long tg_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *x) { return SSL_CTX_add1_chain_cert(ctx, x); }
static inline long tg_BIO_mem_length(BIO *b) { return (long)BIO_ctrl_pending(b); }
/// Adds one v3 extension written in openssl.cnf syntax ("critical,CA:TRUE"), with `issuer`
/// as the issuer for key identifiers (the certificate itself when self-signed).
static inline int tg_X509_add_ext_text(X509 *issuer, X509 *cert, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext) return 0;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}
static const int TG_NID_subject_alt_name = NID_subject_alt_name;
static const int TG_NID_basic_constraints = NID_basic_constraints;
static const int TG_NID_key_usage = NID_key_usage;
static const int TG_NID_ext_key_usage = NID_ext_key_usage;
static const int TG_NID_subject_key_identifier = NID_subject_key_identifier;
static const int TG_NID_authority_key_identifier = NID_authority_key_identifier;
static const int TG_MBSTRING_ASC = MBSTRING_ASC;
static const unsigned long TG_XN_FLAG_RFC2253 = XN_FLAG_RFC2253;
#endif

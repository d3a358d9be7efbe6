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
#endif

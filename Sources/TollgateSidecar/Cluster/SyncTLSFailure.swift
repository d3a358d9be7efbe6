/// Why a TLS handshake on the sync link failed, as a metric label: OpenSSL's reason text is
/// mapped to a few stable names (the text itself goes to the log; it holds no secrets).
enum SyncTLSFailure: String, CaseIterable, Sendable {
    /// Mutual TLS: the client sent no certificate.
    case noClientCertificate = "no_client_certificate"
    /// A certificate that does not verify (unknown CA, expired, wrong name).
    case badCertificate = "bad_certificate"
    /// Anything else (protocol mismatch, not TLS at all, reset mid-handshake).
    case handshake = "handshake"

    static func classify(verificationFailed: Bool, message: String) -> SyncTLSFailure {
        let m = message.lowercased()
        if m.contains("peer did not return a certificate") || m.contains("certificate required") { return .noClientCertificate }
        if verificationFailed || m.contains("certificate verify failed") || m.contains("unknown ca") || m.contains("bad certificate")
            || m.contains("certificate expired") || m.contains("unable to get local issuer") {
            return .badCertificate
        }
        return .handshake
    }
}

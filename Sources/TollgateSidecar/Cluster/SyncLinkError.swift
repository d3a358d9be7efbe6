import TollgateTransport

/// Why an exchange with a coordinator failed, with a hint for the TLS cases an operator can fix.
struct SyncLinkError: Error, CustomStringConvertible {
    let description: String

    init(_ text: String) { description = text }

    init(transport e: TransportError) {
        var text = e.message
        if e.code == .tlsVerification {
            text += " (the coordinator's certificate does not verify: check --coordinator-ca and that it names this address)"
        } else {
            switch SyncTLSFailure.classify(verificationFailed: false, message: e.message) {
            case .noClientCertificate: text += " (the coordinator requires a client certificate: --sync-tls-cert/--sync-tls-key)"
            case .badCertificate: text += " (the coordinator refused this sidecar's client certificate: is it issued by its --sync-tls-client-ca?)"
            case .handshake: break
            }
        }
        description = text
    }
}

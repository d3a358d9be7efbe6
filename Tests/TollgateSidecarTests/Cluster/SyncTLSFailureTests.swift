import Testing
@testable import TollgateSidecar

struct SyncTLSFailureTests {
    /// OpenSSL's texts for a missing client certificate (TLS 1.2 and 1.3) map to no_client_certificate.
    @Test func missingClientCertificate() {
        #expect(SyncTLSFailure.classify(verificationFailed: false,
                                        message: "TLS handshake failed: error:0A0000C7:SSL routines::peer did not return a certificate") == .noClientCertificate)
        #expect(SyncTLSFailure.classify(verificationFailed: false,
                                        message: "TLS read failed: error:0A00045C:SSL routines::tlsv13 alert certificate required") == .noClientCertificate)
    }

    /// A failed verification, or an alert naming a bad or unknown certificate, is bad_certificate.
    @Test func badCertificate() {
        #expect(SyncTLSFailure.classify(verificationFailed: true, message: "unable to get local issuer certificate") == .badCertificate)
        #expect(SyncTLSFailure.classify(verificationFailed: false, message: "error:0A000418:SSL routines::tlsv1 alert unknown ca") == .badCertificate)
        #expect(SyncTLSFailure.classify(verificationFailed: false, message: "sslv3 alert bad certificate") == .badCertificate)
    }

    /// Anything else (plaintext on a TLS port, a reset) is a plain handshake failure.
    @Test func otherFailures() {
        #expect(SyncTLSFailure.classify(verificationFailed: false, message: "error:0A00009C:SSL routines::http request") == .handshake)
        #expect(SyncTLSFailure.classify(verificationFailed: false, message: "read: Connection reset by peer") == .handshake)
    }
}

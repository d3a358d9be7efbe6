import TollgateHTTP2
import TollgateTransport

/// The first handler of a connection to the coordinator: as on the data plane, TLS ALPN decides
/// when there is TLS, and otherwise the first bytes do (the HTTP/2 preface means h2c with prior
/// knowledge, anything else HTTP/1.1). Hands the connection and the bytes seen to the chosen
/// handler; reports a failed TLS handshake (a client without a valid certificate) to its owner.
final class CoordinatorProtocolDetector: ConnectionDelegate {
    enum Outcome {
        case http2([UInt8])
        case http1([UInt8])
        case failed(TransportError, handshaking: Bool)
        case closed
    }

    let connection: Connection
    private let isTLS: Bool
    private let decided: (CoordinatorProtocolDetector, Outcome) -> Void
    private var seen: [UInt8] = []
    private var active: Bool
    private var done = false
    private var timer: LoopTimer?

    /// A peer that sends nothing (or never finishes its handshake) for this long is dropped.
    static let firstBytesTimeout = 10.0

    init(connection: Connection, isTLS: Bool, decided: @escaping (CoordinatorProtocolDetector, Outcome) -> Void) {
        self.connection = connection
        self.isTLS = isTLS
        self.decided = decided
        active = !isTLS
        connection.delegate = self
        timer = connection.loop.schedule(afterSeconds: Self.firstBytesTimeout) { [self] in
            guard !self.done else { return }
            self.connection.close()
            self.finish(.closed)
        }
    }

    func connectionDidBecomeActive(_ connection: Connection) {
        active = true
        switch connection.alpn {
        case "h2": finish(.http2([]))
        case "http/1.1": finish(.http1([]))
        default: break  // No ALPN: sniff the first bytes as on plaintext.
        }
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        seen.append(contentsOf: bytes)
        switch HTTP2Preface.classify(seen) {
        case .needMore: break
        case .http2: finish(.http2(seen))
        case .http1: finish(.http1(seen))
        }
    }

    func connectionDidReadEOF(_ connection: Connection) {
        connection.close()
        finish(.closed)
    }

    func connectionDidDrain(_ connection: Connection) {}

    func connection(_ connection: Connection, didFail error: TransportError) {
        finish(.failed(error, handshaking: isTLS && !active))
    }

    private func finish(_ outcome: Outcome) {
        guard !done else { return }
        done = true
        timer?.cancel()
        timer = nil
        seen = []
        decided(self, outcome)
    }
}

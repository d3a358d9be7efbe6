import Glibc
import TollgateHTTP
import TollgateHTTP2
import TollgateTransport

/// A blocking HTTP/2 client for the sync link to one coordinator: one connection (h2c with
/// prior knowledge, or TLS with ALPN h2 and an optional client certificate), one stream per
/// exchange, driven by the nghttp2 session the data plane uses (`HTTP2Session`, which keeps the
/// C-callback rules). Used only from a thread that may block (the sidecar's sync thread, the
/// coordinator load generator); every exchange ends by `timeoutMillis`. After a failed connect
/// it waits (25 ms doubling to 500 ms) before dialing again, so a refusing coordinator is not
/// hammered with handshakes.
final class SyncHTTP2Client: HTTP2SessionDelegate {
    let target: String
    /// The name verified in the coordinator's certificate (a DNS name or an IP address).
    let serverName: String
    /// Replaced when the certificate files are rotated; used from the next connection on.
    var tls: TLSContext?
    let timeoutMillis: Int
    private var connection: BlockingConnection?
    private var session: HTTP2Session?
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var output: [UInt8] = []
    private(set) var failures = 0
    private(set) var exchanges = 0
    /// The connection problem last seen (logged once each), nil after a successful exchange.
    private(set) var lastProblem: String?
    private var backoffMillis: UInt64 = 0
    private var retryAt: UInt64 = 0

    // The exchange in flight.
    private var streamID: Int32 = -1
    private var status = 0
    private var responseBody: [UInt8] = []
    private var streamDone = false
    private var streamReset: HTTP2ErrorCode?
    private var goneAway = false

    static let maxResponseBytes = 16 << 20

    init(target: String, serverName: String? = nil, tls: TLSContext? = nil, timeoutMillis: Int = 800) {
        self.target = target
        self.serverName = serverName ?? SyncHTTP2Client.host(of: target)
        self.tls = tls
        self.timeoutMillis = timeoutMillis
    }

    var isConnected: Bool { connection != nil }

    var link: SyncLinkState {
        SyncLinkState(transport: tls == nil ? "h2c" : "h2+tls", exchanges: exchanges, failures: failures, problem: lastProblem)
    }

    func disconnect() {
        session = nil
        connection?.close()
        connection = nil
        goneAway = false
    }

    /// Sends `body` to `path` and returns the response body of a 200, or nil (connection error,
    /// timeout, other status).
    func post(path: String, node: String, body: [UInt8]) -> [UInt8]? {
        guard let (status, answer) = send(method: "POST", path: path,
                                          headers: [("tollgate-node", node), ("content-type", "application/octet-stream")], body: body)
        else { return nil }
        guard status == 200 else {
            // The coordinator's refusal text names the reason (e.g. a frame that fails the HMAC).
            let text = String(decoding: answer.prefix(200), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            problem("coordinator \(target) answered \(status): \(text)" + (status == 400 ? " (check --sync-secret-file)" : ""))
            return nil
        }
        return answer
    }

    /// Any request; returns the status and body, or nil on a connection error or timeout. An
    /// exchange on a reused connection that fails is retried once on a fresh one.
    func send(method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []) -> (Int, [UInt8])? {
        let reused = connection != nil
        if let r = attempt(method: method, path: path, headers: headers, body: body) { return r }
        if reused, let r = attempt(method: method, path: path, headers: headers, body: body) { return r }
        failures += 1
        return nil
    }

    private func attempt(method: String, path: String, headers: [(String, String)], body: [UInt8]) -> (Int, [UInt8])? {
        let deadline = MonotonicClock.now() + UInt64(timeoutMillis) * 1_000_000
        if connection == nil || goneAway {
            disconnect()
            guard connect(deadline: deadline) else { return nil }
        }
        guard let session, let connection else { return nil }
        streamID = -1
        status = 0
        responseBody.removeAll(keepingCapacity: true)
        streamDone = false
        streamReset = nil
        var fields = HTTPHeaders()
        for (n, v) in headers { fields.add(n, v) }
        fields.add("content-length", String(body.count))
        do {
            streamID = try session.sendRequestHead(HTTPRequestHead(method: method, target: path, version: .http2, headers: fields),
                                                   scheme: tls == nil ? "http" : "https", authority: target, endStream: body.isEmpty)
            if !body.isEmpty { body.withUnsafeBytes { session.sendData($0, streamID: streamID, endStream: true) } }
            while true {
                try writePending(session, connection, deadline: deadline)
                if streamDone { break }
                try readSome(session, connection, deadline: deadline)
            }
        } catch {
            problem("coordinator \(target): \(error)")
            disconnect()
            return nil
        }
        if let code = streamReset {
            // REFUSED_STREAM (a coordinator going away) is safe to retry on a new connection.
            problem("coordinator \(target) reset the sync stream (\(code))")
            disconnect()
            return nil
        }
        exchanges += 1
        // A refusal (4xx/5xx) is a problem the caller reports; only a success clears one.
        if (200..<300).contains(status) && lastProblem != nil {
            lastProblem = nil
            Log.info("cluster: coordinator \(target) answers again (\(tls == nil ? "h2c" : "h2 over TLS"))")
        }
        return (status, responseBody)
    }

    private func writePending(_ session: HTTP2Session, _ connection: BlockingConnection, deadline: UInt64) throws(SyncLinkError) {
        output.removeAll(keepingCapacity: true)
        do { try session.takeOutput(into: &output) } catch { throw SyncLinkError("HTTP/2: \(error.message)") }
        guard !output.isEmpty else { return }
        var failure: TransportError?
        output.withUnsafeBytes { bytes in
            do throws(TransportError) { try connection.write(bytes, deadline: deadline) } catch { failure = error }
        }
        if let failure { throw SyncLinkError(transport: failure) }
    }

    private func readSome(_ session: HTTP2Session, _ connection: BlockingConnection, deadline: UInt64) throws(SyncLinkError) {
        var failure: TransportError?
        let n = readBuffer.withUnsafeMutableBytes { buf -> Int in
            do throws(TransportError) { return try connection.read(into: buf, deadline: deadline) } catch { failure = error; return 0 }
        }
        if let failure { throw SyncLinkError(transport: failure) }
        guard n > 0 else { throw SyncLinkError("the coordinator closed the connection") }
        var h2Failure: HTTP2SessionError?
        readBuffer.withUnsafeBytes { raw in
            do throws(HTTP2SessionError) { try session.receive(UnsafeRawBufferPointer(rebasing: raw[0..<n])) } catch { h2Failure = error }
        }
        if let h2Failure { throw SyncLinkError("HTTP/2: \(h2Failure.message)") }
    }

    private func connect(deadline: UInt64) -> Bool {
        let now = MonotonicClock.now()
        guard now >= retryAt else { return false }
        do {
            let (host, port) = try Self.split(target)
            let addresses: [SocketAddress]
            do { addresses = try Socket.resolve(host: host, port: port) } catch { throw SyncLinkError(transport: error) }
            guard let address = addresses.first else { throw SyncLinkError("cannot resolve \(host)") }
            let c: BlockingConnection
            do { c = try BlockingConnection(connectingTo: address, tls: tls, serverName: serverName, deadline: deadline) } catch {
                throw SyncLinkError(transport: error)
            }
            if tls != nil && c.alpn != "h2" {
                c.close()
                throw SyncLinkError("the coordinator did not choose h2 in the TLS handshake (ALPN: \(c.alpn ?? "none"))")
            }
            let s = HTTP2Session(role: .client, settings: HTTP2Settings(maxConcurrentStreams: 16, initialStreamWindowSize: 1 << 20,
                                                                         connectionWindowSize: 1 << 22, maxHeaderListSize: 65536))
            s.delegate = self
            connection = c
            session = s
            backoffMillis = 0
            Log.debug("cluster: connected to coordinator \(target) over \(tls == nil ? "h2c" : "TLS (h2)")")
            return true
        } catch {
            backoffMillis = min(max(backoffMillis * 2, 25), 500)
            retryAt = MonotonicClock.now() + backoffMillis * 1_000_000
            problem("cannot connect to coordinator \(target): \(error)")
            return false
        }
    }

    /// Logs a connection problem once (until an exchange succeeds or the problem changes).
    private func problem(_ text: String) {
        guard text != lastProblem else { return }
        lastProblem = text
        Log.warning("cluster: \(text)")
    }

    static func host(of target: String) -> String {
        (try? split(target).host) ?? target
    }

    static func split(_ target: String) throws(SyncLinkError) -> (host: String, port: UInt16) {
        guard let colon = target.lastIndex(of: ":"), let port = UInt16(target[target.index(after: colon)...]) else {
            throw SyncLinkError("coordinator address '\(target)' must be HOST:PORT")
        }
        var host = String(target[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    // MARK: HTTP2SessionDelegate

    func http2Session(_ session: HTTP2Session, didReceiveRequest head: HTTPRequestHead, scheme: String, streamID: Int32, endStream: Bool) {}

    func http2Session(_ session: HTTP2Session, didReceiveResponse head: HTTPResponseHead, streamID: Int32, endStream: Bool) {
        guard streamID == self.streamID, head.status >= 200 else { return }
        status = head.status
    }

    func http2Session(_ session: HTTP2Session, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
        session.consume(streamID: streamID, count: bytes.count)
        guard streamID == self.streamID else { return }
        if responseBody.count + bytes.count > Self.maxResponseBytes {
            session.resetStream(streamID, errorCode: .cancel)
            return
        }
        responseBody.append(contentsOf: bytes)
    }

    func http2Session(_ session: HTTP2Session, didReceiveTrailers trailers: HTTPHeaders, streamID: Int32) {}

    func http2Session(_ session: HTTP2Session, didReceiveEndStream streamID: Int32) {
        if streamID == self.streamID { streamDone = true }
    }

    func http2Session(_ session: HTTP2Session, streamDidClose streamID: Int32, errorCode: HTTP2ErrorCode) {
        guard streamID == self.streamID, !streamDone else { return }
        streamReset = errorCode
        streamDone = true
    }

    func http2Session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {
        goneAway = true
    }

    func http2Session(_ session: HTTP2Session, didDrainOutbound streamID: Int32) {}
}

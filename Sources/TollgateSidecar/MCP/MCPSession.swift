import TollgateJSON

/// One downstream session of the aggregate endpoint (handshake revision): the session id the
/// client holds stands for one upstream session per server, created when the client initialized.
struct MCPSession: Sendable {
    var id: String
    /// The caller that created it (key id, or "" for anonymous): nobody else may use it.
    var owner: String
    /// Creation order, so the oldest session is the one dropped when the table is full.
    var serial: UInt64 = 0
    /// Version agreed with the client.
    var protocolVersion: String
    /// The client's initialize request, replayed to servers that join later (added by a reload,
    /// or down when the client initialized).
    var initializeRequest: JSONValue?
    /// Per server: its session id (nil if the server runs without sessions) and agreed version.
    var upstream: [String: (sessionID: String?, protocolVersion: String)] = [:]
}

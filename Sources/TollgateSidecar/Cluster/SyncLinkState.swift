/// What the sync thread knows about its link to one coordinator, published for the admin port
/// (GET /cluster, /metrics): the transport, exchanges that worked or failed, and the problem
/// last seen (nil once an exchange succeeds again).
struct SyncLinkState: Sendable, Equatable {
    /// "h2c" or "h2+tls".
    var transport: String
    var exchanges = 0
    var failures = 0
    var problem: String? = nil
}

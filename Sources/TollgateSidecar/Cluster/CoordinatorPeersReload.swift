/// What a configuration reload does with a coordinator's `peers:`: the names to re-resolve from
/// now on and the set they resolve to now, which goes through the same `CoordinatorSetWatch` as
/// a DNS answer (a changed set bumps the term; keys gained are learned first). A reload whose
/// names do not resolve, or whose set leaves this coordinator out, is refused with the place in
/// the file: the running set stays (a coordinator leaving the set is a DNS answer or a stop,
/// not an edit that would strand its keys).
enum CoordinatorPeersReload {
    struct Plan: Equatable {
        /// Names (HOST:PORT) the periodic resolver re-resolves; empty: none.
        var names: [String]
        /// The set as resolved now.
        var ids: [String]
    }

    /// `peers` nil or empty: this coordinator alone.
    static func plan(_ peers: ConfiguredPeers?, me: String,
                     lookup: CoordinatorSet.Lookup = CoordinatorSet.systemLookup) throws(ConfigError) -> Plan {
        guard let peers, !peers.entries.isEmpty else { return Plan(names: [], ids: [me]) }
        let ids = try peers.resolveNamed(lookup: lookup).map(\.id)
        guard !ids.isEmpty else { throw ConfigError("\(peers.location): peers resolve to no address") }
        guard ids.contains(me) else {
            throw ConfigError("\(peers.location): this coordinator (\(me)) is not in peers (\(ids.joined(separator: ","))); pass --advertise ADDR as listed there")
        }
        return Plan(names: peers.entries, ids: ids)
    }
}

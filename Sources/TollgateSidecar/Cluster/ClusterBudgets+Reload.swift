import TollgateSync

/// A configuration reload and the sidecar's `cluster.coordinators`. The coordinator set in use is
/// the coordinators' (it has a term, announced in their budget definitions, and the sidecar
/// adopts a later one and connects to new members): a sidecar that changed ownership on its own,
/// under the same term, could report a key's leases to a coordinator that no longer owns it while
/// the new owner is learning. So the reloaded list is checked — every name must resolve, else the
/// reload fails with the entry's file:line:column and nothing changes — and a list that resolves
/// to other coordinators than at start is logged with the set in use; it is dialled at the next
/// start. `--coordinator` on the command line wins over the file.
extension ClusterBudgets {
    /// On the reload (signal) thread, before anything is swapped in.
    func checkReload(_ fileSection: ClusterOptions, path: String,
                     lookup: CoordinatorSet.Lookup = CoordinatorSet.systemLookup) throws(ConfigError) {
        guard !options.coordinatorsFromFlag, let next = fileSection.configuredCoordinators else { return }
        let (term, inUse) = state.withLock { ($0.term, $0.coordinators) }
        if let note = try Self.reloadNote(next, startedWith: coordinatorIDs, term: term, inUse: inUse, path: path, lookup: lookup) {
            Log.warning(note)
        }
    }

    /// What to tell the operator about a reloaded list (nil: it resolves as at start).
    static func reloadNote(_ next: ConfiguredPeers, startedWith: [String], term: UInt64, inUse: [String], path: String,
                           lookup: CoordinatorSet.Lookup) throws(ConfigError) -> String? {
        let ids = try next.resolveNamed(lookup: lookup).map(\.id)
        guard ids != startedWith.sorted() else { return nil }
        return "\(path): cluster.coordinators now resolve to \(ids.joined(separator: ",")) (at start: \(startedWith.sorted().joined(separator: ","))); "
            + "the coordinator set in use stays the coordinators' (term \(term): \(inUse.joined(separator: ","))) and follows their announced changes; "
            + "new addresses are dialled at the next start"
    }
}

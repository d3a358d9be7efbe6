import TollgateTransport

/// SIGHUP or a changed `--config` file. What takes effect at run time is `peers:`: the names the
/// periodic resolver follows from now on, and the set they resolve to, adopted through the same
/// `CoordinatorSetWatch` as a DNS answer (a changed set bumps the term; keys gained are learned
/// before they are granted). A file that does not decode, or whose peers do not resolve or leave
/// this coordinator out, changes nothing (the error names file:line:column). `--peers` on the
/// command line wins over the file. Budgets from the file apply at the next start (the admin
/// API changes them at run time); the sync TLS files are watched on their own.
extension CoordinatorServer {
    /// This coordinator's id in the set (readable from any thread once started).
    var selfID: String { options.advertise ?? boundAddress?.description ?? options.listen.description }

    /// Runs on the signal thread (it may block on DNS); hands the result to the loop.
    func reloadConfig(lookup: CoordinatorSet.Lookup = CoordinatorSet.systemLookup) -> Result<String, ConfigError> {
        guard let path = options.configPath else { return .failure(ConfigError("no configuration file")) }
        do {
            let file = try CoordinatorConfigFile.load(path: path)
            guard !options.peersFromFlag else {
                if file.peers != nil { Log.info("\(path): peers not applied: --peers on the command line wins") }
                return .success(file.contentHash)
            }
            applyPeers(try CoordinatorPeersReload.plan(file.peers, me: selfID, lookup: lookup))
            return .success(file.contentHash)
        } catch {
            return .failure(error)
        }
    }

    /// Follows `plan.names` from now on and adopts `plan.ids` through the set watch (signal thread).
    func applyPeers(_ plan: CoordinatorPeersReload.Plan) {
        guard let loop = eventLoop else { return }
        let adopt = { loop.execute { [self] in self.observePeers(plan.ids, now: Self.monoNow()) } }
        if let r = peersResolver {
            // No answer for the old names reaches the loop after this one.
            r.replaceNames(plan.names, then: adopt)
        } else {
            if !plan.names.isEmpty { startPeersResolver(plan.names, loop: loop) }
            adopt()
        }
    }
}

import TollgateConfig

/// The coordinator set as a configuration file gives it (`peers:` in the coordinator's file,
/// `coordinators:` in the sidecar's `cluster:` section): the entries with their place in the
/// file, so that a reload whose names do not resolve can say where they are.
struct ConfiguredPeers: Sendable, Equatable {
    var entries: [String]
    /// Where each entry is written.
    var locations: [SourceLocation]
    /// Where the list itself is (for errors about the whole set).
    var location: SourceLocation

    init(entries: [String], locations: [SourceLocation], location: SourceLocation) {
        self.entries = entries
        self.locations = locations
        self.location = location
    }

    /// A list of HOST:PORT strings (`${ENV}` expanded); a malformed entry is an error at its place.
    static func decode(_ d: ConfigDecoder) throws(ConfigDecodeError) -> ConfiguredPeers {
        var locations: [SourceLocation] = []
        let entries = try d.list { (e) throws(ConfigDecodeError) -> String in
            let text = try e.interpolatedString()
            let bare = text.split(separator: "=", maxSplits: 1).last.map(String.init) ?? text
            guard let colon = bare.lastIndex(of: ":"), UInt16(bare[bare.index(after: colon)...]) != nil, colon > bare.startIndex else {
                throw e.error(.invalidValue, "'\(text)' must be HOST:PORT")
            }
            locations.append(e.location)
            return text
        }
        return ConfiguredPeers(entries: entries, locations: locations, location: d.location)
    }

    /// Resolves every entry now; a name that does not resolve is an error at its place.
    /// Entries of the form ID=ADDR (a sidecar reaching coordinator ID through ADDR) count as ID.
    func resolveNamed(lookup: CoordinatorSet.Lookup = CoordinatorSet.systemLookup) throws(ConfigError) -> [(id: String, name: String)] {
        var out: [(id: String, name: String)] = []
        for (i, e) in entries.enumerated() {
            let found: [(id: String, name: String)]
            if let eq = e.firstIndex(of: "=") {
                found = [(String(e[..<eq]), SyncHTTP2Client.host(of: String(e[..<eq])))]
            } else {
                do { found = try CoordinatorSet.resolveNamed([e], lookup: lookup) } catch { throw ConfigError("\(locations[i]): \(error.message)") }
            }
            for f in found where !out.contains(where: { $0.id == f.id }) { out.append(f) }
        }
        return out.sorted { $0.id < $1.id }
    }
}

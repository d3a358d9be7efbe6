import Testing
import TollgateConfig
import TollgateTransport
@testable import TollgateSidecar

struct ClusterBudgetsReloadTests {
    func section(_ yaml: String) throws -> ClusterOptions {
        let (root, _) = try ConfigSource.parse(bytes: Array(yaml.utf8), file: "s.yaml")
        let m = try ConfigDecoder(root, secrets: SecretResolver(environment: [:])).mapping(allowedKeys: ["cluster"])
        return try ClusterOptions.decode(m.required("cluster"))
    }

    /// The file's coordinators keep their places; the command line's flag marks them as given there.
    @Test func sectionKeepsPlacesAndFlagWins() throws {
        let o = try section("cluster:\n  coordinators:\n    - coordinators.example:7400\n")
        #expect(o.configuredCoordinators?.locations.map(\.description) == ["s.yaml:3:7"])
        #expect(!o.coordinatorsFromFlag)
        let flagged = try SidecarCommand.parse(["--coordinator", "10.0.0.1:7400"])
        #expect(flagged.cluster.coordinatorsFromFlag && flagged.cluster.configuredCoordinators == nil)
    }

    /// An entry without a port is a decode error at its place (it used to fail only at start).
    @Test func malformedCoordinatorIsADecodeError() {
        #expect(throws: ConfigDecodeError.self) { try section("cluster:\n  coordinators: [coordinators.example]\n") }
    }

    /// A list resolving as at start says nothing; another set is reported beside the set in use.
    @Test func noteOnlyWhenTheListResolvesDifferently() throws {
        let lookup = CoordinatorPeersReloadTests.lookup
        let same = try #require(try section("cluster:\n  coordinators: [coordinators.example:7400]\n").configuredCoordinators)
        #expect(try ClusterBudgets.reloadNote(same, startedWith: ["10.0.0.2:7400", "10.0.0.1:7400"], term: 3, inUse: ["10.0.0.1:7400"],
                                             path: "s.yaml", lookup: lookup) == nil)
        let other = try #require(try section("cluster:\n  coordinators: [one.example:7400, 10.0.0.3:7400]\n").configuredCoordinators)
        let note = try #require(try ClusterBudgets.reloadNote(other, startedWith: ["10.0.0.1:7400"], term: 3, inUse: ["10.0.0.1:7400"],
                                                              path: "s.yaml", lookup: lookup))
        #expect(note.contains("now resolve to 10.0.0.1:7400,10.0.0.3:7400 (at start: 10.0.0.1:7400)"))
        #expect(note.contains("term 3: 10.0.0.1:7400"))
    }

    /// A name that does not resolve fails the reload with the entry's file:line:column.
    @Test func unresolvableCoordinatorFailsWithItsPlace() throws {
        let bad = try #require(try section("cluster:\n  coordinators:\n    - one.example:7400\n    - gone.example:7400\n").configuredCoordinators)
        #expect(throws: ConfigError("s.yaml:4:7: coordinator 'gone.example:7400': cannot resolve gone.example: Name or service not known")) {
            try ClusterBudgets.reloadNote(bad, startedWith: ["10.0.0.1:7400"], term: 0, inUse: [], path: "s.yaml",
                                          lookup: CoordinatorPeersReloadTests.lookup)
        }
    }
}

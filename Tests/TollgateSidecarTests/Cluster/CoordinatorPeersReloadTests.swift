import Foundation
import Testing
import TollgateConfig
import TollgateTransport
@testable import TollgateSidecar

struct CoordinatorPeersReloadTests {
    /// A DNS table standing in for getaddrinfo: a headless Service name answers several addresses.
    static let table: [String: [String]] = [
        "coordinators.example": ["10.0.0.2", "10.0.0.1"],
        "one.example": ["10.0.0.1"],
        "10.0.0.3": ["10.0.0.3"],
    ]
    static let lookup: CoordinatorSet.Lookup = { (host, port) throws(TransportError) in
        guard let addrs = table[host] else { throw TransportError(.resolve, "cannot resolve \(host): Name or service not known") }
        var out: [SocketAddress] = []
        for a in addrs {
            do { out.append(try SocketAddress(host: a, port: port)) } catch { throw TransportError(.resolve, "\(error)") }
        }
        return out
    }

    func peers(_ yaml: String) throws -> ConfiguredPeers? {
        let (root, _) = try ConfigSource.parse(bytes: Array(yaml.utf8), file: "c.yaml")
        return try CoordinatorConfigFile.decodePeers(ConfigDecoder(root, secrets: SecretResolver(environment: ["NS": "prod"])))
    }

    /// `peers:` keeps each entry with its place in the file; `${ENV}` is expanded; absent is nil.
    @Test func decodesPeersWithLocations() throws {
        let p = try #require(try peers("budgets: []\npeers:\n  - coordinators.${NS}.svc:7400\n  - 10.0.0.3:7400\n"))
        #expect(p.entries == ["coordinators.prod.svc:7400", "10.0.0.3:7400"])
        #expect(p.locations.map(\.description) == ["c.yaml:3:5", "c.yaml:4:5"])
        #expect(p.location.description == "c.yaml:3:3")
        #expect(try peers("budgets: []\n") == nil)
    }

    /// An entry that is not HOST:PORT is an error at its own line and column.
    @Test func malformedEntryNamesItsPlace() {
        do {
            _ = try peers("peers:\n  - coordinators.example\n")
            Issue.record("expected an error")
        } catch let e as ConfigDecodeError {
            #expect(e.location.description == "c.yaml:2:5")
            #expect(e.message.contains("HOST:PORT"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// A name resolving to several addresses gives every one as a member; names are kept for re-resolution.
    @Test func planResolvesNamesToTheSet() throws {
        let p = try #require(try peers("peers: [coordinators.example:7400, 10.0.0.3:7400]\n"))
        let plan = try CoordinatorPeersReload.plan(p, me: "10.0.0.1:7400", lookup: Self.lookup)
        #expect(plan.ids == ["10.0.0.1:7400", "10.0.0.2:7400", "10.0.0.3:7400"])
        #expect(plan.names == ["coordinators.example:7400", "10.0.0.3:7400"])
    }

    /// No peers (or an empty list) means this coordinator alone, with nothing to re-resolve.
    @Test func noPeersIsThisCoordinatorAlone() throws {
        #expect(try CoordinatorPeersReload.plan(nil, me: "10.0.0.1:7400", lookup: Self.lookup) == .init(names: [], ids: ["10.0.0.1:7400"]))
        let empty = try #require(try peers("peers: []\n"))
        #expect(try CoordinatorPeersReload.plan(empty, me: "10.0.0.1:7400", lookup: Self.lookup).ids == ["10.0.0.1:7400"])
    }

    /// A name that does not resolve is refused with the entry's file:line:column (the running set stays).
    @Test func unresolvableNameNamesItsPlace() throws {
        let p = try #require(try peers("peers:\n  - one.example:7400\n  - missing.example:7400\n"))
        #expect(throws: ConfigError("c.yaml:3:5: coordinator 'missing.example:7400': cannot resolve missing.example: Name or service not known")) {
            try CoordinatorPeersReload.plan(p, me: "10.0.0.1:7400", lookup: Self.lookup)
        }
    }

    /// A set that leaves this coordinator out is refused at the list's place.
    @Test func setWithoutThisCoordinatorIsRefused() throws {
        let p = try #require(try peers("peers: [one.example:7400]\n"))
        do {
            _ = try CoordinatorPeersReload.plan(p, me: "10.0.0.9:7400", lookup: Self.lookup)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("c.yaml:1:8: this coordinator (10.0.0.9:7400) is not in peers (10.0.0.1:7400)"))
        }
    }

    /// `--config` gives peers and a poll interval; `--peers` on the command line wins, whatever the order.
    @Test func commandLineTakesFilePeersUnlessFlagGiven() throws {
        let path = NSTemporaryDirectory() + "tollgate-coord-\(UUID().uuidString).yaml"
        try "peers: [10.0.0.3:7400]\nbudgets:\n  - {unit: requests, limit: 10, window: day}\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try CoordinatorCommand.parse(["--config", path, "--config-poll", "0.5"])
        #expect(fromFile.peers == ["10.0.0.3:7400"] && !fromFile.peersFromFlag)
        #expect(fromFile.configPath == path && fromFile.configPollInterval == 0.5 && fromFile.budgets.count == 1)
        let flagFirst = try CoordinatorCommand.parse(["--peers", "10.0.0.4:7400", "--config", path])
        #expect(flagFirst.peers == ["10.0.0.4:7400"] && flagFirst.peersFromFlag)
        let flagLast = try CoordinatorCommand.parse(["--config", path, "--peers", "10.0.0.4:7400"])
        #expect(flagLast.peers == ["10.0.0.4:7400"])
        #expect(try CoordinatorCommand.parse([]).configPath == nil)
        // Spaces around list entries are dropped.
        #expect(try CoordinatorCommand.parse(["--peers", " 10.0.0.1:7400 , 10.0.0.2:7400 "]).peers == ["10.0.0.1:7400", "10.0.0.2:7400"])
    }
}

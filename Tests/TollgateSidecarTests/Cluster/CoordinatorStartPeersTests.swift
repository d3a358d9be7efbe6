import Synchronization
import Testing
import TollgateTransport
@testable import TollgateSidecar

struct CoordinatorStartPeersTests {
    /// A name whose answer gains addresses as lookups go on (a pod joining a headless Service).
    final class GrowingName: Sendable {
        let calls = Mutex(0)
        let listsMeAfter: Int
        init(listsMeAfter: Int) { self.listsMeAfter = listsMeAfter }
        var lookup: CoordinatorSet.Lookup {
            { [self] (host, port) throws(TransportError) in
                let n = calls.withLock { $0 += 1; return $0 }
                guard host == "coordinators.example" else { throw TransportError(.resolve, "cannot resolve \(host)") }
                let hosts = n > listsMeAfter ? ["10.0.0.1", "10.0.0.2"] : ["10.0.0.1"]
                return hosts.map { try! SocketAddress(host: $0, port: port) }
            }
        }
    }

    /// A DNS name that lists this coordinator only after a few answers is waited for, a second at a time.
    @Test func waitsForTheNameToListThisCoordinator() throws {
        let name = GrowingName(listsMeAfter: 3)
        var slept = 0.0
        let set = try CoordinatorServer.resolvePeersAtStart(["coordinators.example:7400"], me: "10.0.0.2:7400", wait: 30,
                                                           lookup: name.lookup, sleep: { slept += $0 })
        #expect(set == ["10.0.0.1:7400", "10.0.0.2:7400"])
        #expect(slept == 3)
    }

    /// A name that never lists it gives up after the wait with the usual error.
    @Test func givesUpAfterTheWait() {
        let name = GrowingName(listsMeAfter: .max)
        var slept = 0.0
        #expect(throws: ConfigError.self) {
            try CoordinatorServer.resolvePeersAtStart(["coordinators.example:7400"], me: "10.0.0.2:7400", wait: 5,
                                                      lookup: name.lookup, sleep: { slept += $0 })
        }
        #expect(slept == 5)
    }

    /// Plain addresses cannot change their answer: a set without this coordinator fails at once; none means alone.
    @Test func plainAddressesAreCheckedOnce() throws {
        var slept = 0.0
        #expect(throws: ConfigError.self) {
            try CoordinatorServer.resolvePeersAtStart(["10.0.0.1:7400"], me: "10.0.0.2:7400", lookup: GrowingName(listsMeAfter: 0).lookup,
                                                      sleep: { slept += $0 })
        }
        #expect(slept == 0)
        #expect(try CoordinatorServer.resolvePeersAtStart([], me: "10.0.0.2:7400") == ["10.0.0.2:7400"])
    }
}

import Testing
import TollgateConfig
import TollgateTransport
@testable import TollgateSidecar

struct ClusterOptionsDecodeTests {
    func decode(_ yaml: String, env: [String: String] = [:]) throws -> ClusterOptions {
        let (root, _) = try ConfigSource.parse(bytes: Array(yaml.utf8), file: "t.yaml")
        let m = try ConfigDecoder(root, secrets: SecretResolver(environment: env)).mapping(allowedKeys: ["cluster"])
        return try ClusterOptions.decode(m.required("cluster"))
    }

    /// Every key of the section decodes; the secret and the node id come from the environment.
    @Test func decodesSection() throws {
        let o = try decode("""
        cluster:
          coordinators: [coord.example:7400, "10.0.0.9:7400=127.0.0.1:17400"]
          node_id: ${POD_UID}
          sync_secret: ${SYNC_SECRET}
          gossip_listen: 0.0.0.0:7946
          gossip_advertise: 10.0.0.7:7946
          gossip_seeds: [gossip.example:7946]
          admission_wait: 500ms
        """, env: ["POD_UID": "0f1e-pod", "SYNC_SECRET": "s3cret"])
        #expect(o.coordinators == ["coord.example:7400", "10.0.0.9:7400=127.0.0.1:17400"])
        #expect(o.nodeID == "0f1e-pod" && o.syncSecret == "s3cret")
        let listen = try SocketAddress(parsing: "0.0.0.0:7946")
        #expect(o.gossipListen == listen && o.gossipAdvertise == "10.0.0.7:7946")
        #expect(o.gossipSeeds == ["gossip.example:7946"])
        #expect(o.admissionWait == 0.5)
        #expect(o.isEnabled)
    }

    /// Unknown keys, bad addresses, bad node ids and seeds without a listen address are errors with a location.
    @Test func rejectsBadSections() {
        #expect(throws: ConfigDecodeError.self) { try decode("cluster:\n  coordinator: [a:1]\n") }
        #expect(throws: ConfigDecodeError.self) { try decode("cluster:\n  coordinators: []\n") }
        #expect(throws: ConfigDecodeError.self) { try decode("cluster:\n  node_id: \"has space\"\n") }
        #expect(throws: ConfigDecodeError.self) { try decode("cluster:\n  gossip_listen: nowhere\n") }
        #expect(throws: ConfigDecodeError.self) { try decode("cluster:\n  gossip_seeds: [a:1]\n") }
        #expect(throws: ConfigDecodeError.self) { try decode("cluster:\n  admission_wait: 5m\n") }
    }
}

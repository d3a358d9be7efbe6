import Testing
import TollgateConfig
@testable import TollgateSidecar

struct SyncTLSSettingsTests {
    func settings(cert: String? = nil, key: String? = nil, clientCA: String? = nil, coordinatorCA: String? = nil) -> SyncTLSSettings {
        var s = SyncTLSSettings()
        s.certificateFile = cert
        s.keyFile = key
        s.clientCAFile = clientCA
        s.coordinatorCAFile = coordinatorCA
        return s
    }

    func decode(_ yaml: String, side: SyncTLSSettings.Side) throws -> SyncTLSSettings {
        let (root, _) = try ConfigSource.parse(bytes: Array(yaml.utf8), file: "t.yaml")
        let m = try ConfigDecoder(root, secrets: SecretResolver(environment: ["DIR": "/etc/tg"])).mapping(allowedKeys: ["sync_tls"])
        return try SyncTLSSettings.decode(m.required("sync_tls"), side: side)
    }

    /// No files: h2c on both ends; a certificate makes the coordinator TLS, a CA or a certificate makes the sidecar dial TLS.
    @Test func whichEndUsesTLS() {
        #expect(!settings().coordinatorUsesTLS && !settings().sidecarUsesTLS)
        #expect(settings(cert: "c", key: "k").coordinatorUsesTLS)
        #expect(settings(coordinatorCA: "ca").sidecarUsesTLS && !settings(coordinatorCA: "ca").coordinatorUsesTLS)
        #expect(settings(cert: "c", key: "k").sidecarUsesTLS)
    }

    /// Half-given or wrong-ended flags are named in the problem text; complete ones have none.
    @Test func problemsNameTheFlags() {
        #expect(settings().coordinatorProblem() == nil && settings().sidecarProblem() == nil)
        #expect(settings(cert: "c", key: "k", clientCA: "ca").coordinatorProblem() == nil)
        #expect(settings(cert: "c", key: "k", coordinatorCA: "ca").sidecarProblem() == nil)
        #expect(settings(cert: "c").coordinatorProblem()?.contains("--sync-tls-key") == true)
        #expect(settings(key: "k").sidecarProblem()?.contains("--sync-tls-cert") == true)
        #expect(settings(clientCA: "ca").coordinatorProblem()?.contains("--sync-tls-client-ca needs") == true)
        #expect(settings(cert: "c", key: "k", coordinatorCA: "ca").coordinatorProblem()?.contains("sidecar flag") == true)
        #expect(settings(clientCA: "ca").sidecarProblem()?.contains("coordinator flag") == true)
    }

    /// `sync_tls:` decodes per end (client_ca for the coordinator, coordinator_ca for the sidecar), with interpolation.
    @Test func decodesBothEnds() throws {
        let c = try decode("sync_tls:\n  cert: ${DIR}/tls.crt\n  key: ${DIR}/tls.key\n  client_ca: ${DIR}/ca.crt\n", side: .coordinator)
        #expect(c == settings(cert: "/etc/tg/tls.crt", key: "/etc/tg/tls.key", clientCA: "/etc/tg/ca.crt"))
        let s = try decode("sync_tls:\n  coordinator_ca: /ca.pem\n", side: .sidecar)
        #expect(s == settings(coordinatorCA: "/ca.pem"))
    }

    /// The other end's CA key, a lone cert, an empty path and client_ca without a certificate are errors.
    @Test func rejectsBadSections() {
        #expect(throws: ConfigDecodeError.self) { try decode("sync_tls:\n  coordinator_ca: /ca\n", side: .coordinator) }
        #expect(throws: ConfigDecodeError.self) { try decode("sync_tls:\n  client_ca: /ca\n", side: .sidecar) }
        #expect(throws: ConfigDecodeError.self) { try decode("sync_tls:\n  cert: /c\n", side: .sidecar) }
        #expect(throws: ConfigDecodeError.self) { try decode("sync_tls:\n  coordinator_ca: \"\"\n", side: .sidecar) }
        #expect(throws: ConfigDecodeError.self) { try decode("sync_tls:\n  client_ca: /ca\n", side: .coordinator) }
    }

    /// The coordinator file takes `sync_tls:` beside `budgets:`; without it there is no TLS section.
    @Test func coordinatorFileSection() throws {
        let yaml = "budgets:\n  - {unit: requests, limit: 10, window: day}\nsync_tls:\n  cert: /c\n  key: /k\n"
        let (root, _) = try ConfigSource.parse(bytes: Array(yaml.utf8), file: "c.yaml")
        let d = ConfigDecoder(root, secrets: SecretResolver(environment: [:]))
        #expect(try CoordinatorConfigFile.decode(d).count == 1)
        #expect(try CoordinatorConfigFile.decodeSyncTLS(d) == settings(cert: "/c", key: "/k"))
        let (bare, _) = try ConfigSource.parse(bytes: Array("budgets: []\n".utf8), file: "c.yaml")
        #expect(try CoordinatorConfigFile.decodeSyncTLS(ConfigDecoder(bare, secrets: SecretResolver(environment: [:]))) == nil)
    }

    /// The sidecar's `cluster:` section carries `sync_tls:` through to the cluster options.
    @Test func clusterSectionCarriesSyncTLS() throws {
        let yaml = "cluster:\n  coordinators: [c:7400]\n  sync_tls:\n    coordinator_ca: /ca.pem\n    cert: /c\n    key: /k\n"
        let (root, _) = try ConfigSource.parse(bytes: Array(yaml.utf8), file: "t.yaml")
        let m = try ConfigDecoder(root, secrets: SecretResolver(environment: [:])).mapping(allowedKeys: ["cluster"])
        let o = try ClusterOptions.decode(m.required("cluster"))
        #expect(o.syncTLS == settings(cert: "/c", key: "/k", coordinatorCA: "/ca.pem"))
    }
}

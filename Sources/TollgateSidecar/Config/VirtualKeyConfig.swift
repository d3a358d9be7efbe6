import TollgateConfig
import TollgateCrypto

/// One virtual key from the `keys:` section. Only the key's SHA-256 is kept in memory after
/// load, so a heap dump or a log line cannot leak it.
struct VirtualKeyConfig: Sendable, Equatable {
    var id: String
    var keyDigest: [UInt8]
    var team: String?
    var agent: String?
    var models: Set<String>?
    var revoked: Bool

    var identity: RequestIdentity {
        RequestIdentity(keyID: id, team: team, agent: agent, allowedModels: models)
    }

    static func decodeAll(_ d: ConfigDecoder, models: [ModelConfig]) throws(ConfigDecodeError) -> [VirtualKeyConfig] {
        var seenIDs: Set<String> = []
        var seenDigests: [[UInt8]: String] = [:]
        return try d.list { (e) throws(ConfigDecodeError) -> VirtualKeyConfig in
            let k = try decode(e, models: models)
            guard seenIDs.insert(k.id).inserted else { throw e.error(.invalidValue, "duplicate key id '\(k.id)'") }
            if let other = seenDigests[k.keyDigest] {
                throw e.error(.invalidValue, "key '\(k.id)' has the same secret as key '\(other)'")
            }
            seenDigests[k.keyDigest] = k.id
            return k
        }
    }

    static func decode(_ d: ConfigDecoder, models: [ModelConfig]) throws(ConfigDecodeError) -> VirtualKeyConfig {
        let m = try d.mapping(allowedKeys: ["id", "key", "key_sha256", "team", "agent", "models", "revoked"])
        let id = try m.required("id").string()
        let digest: [UInt8]
        if let k = m.optional("key") {
            let secret = try k.secret()
            guard secret.reveal().utf8.count >= 8 else { throw k.error(.invalidValue, "key '\(id)' is shorter than 8 characters") }
            digest = Digest.sha256(Array(secret.reveal().utf8))
        } else if let h = m.optional("key_sha256") {
            let hex = try h.string()
            guard let bytes = Self.hexBytes(hex), bytes.count == 32 else {
                throw h.error(.invalidValue, "key_sha256 must be 64 hex digits (sha256sum of the key)")
            }
            digest = bytes
        } else {
            throw d.error(.missingKey, "key '\(id)' needs 'key' (the secret, e.g. ${APP_KEY}) or 'key_sha256'")
        }
        var allowed: Set<String>?
        if let ms = m.optional("models") {
            let names = try ms.list { (e) throws(ConfigDecodeError) -> String in
                let n = try e.string()
                if !models.isEmpty, !models.contains(where: { $0.alias == n }) {
                    throw e.error(.invalidValue, "unknown model '\(n)'; expected one of: \(models.map(\.alias).joined(separator: ", "))")
                }
                return n
            }
            allowed = Set(names)
        }
        return VirtualKeyConfig(
            id: id, keyDigest: digest, team: try m.optional("team")?.string(), agent: try m.optional("agent")?.string(),
            models: allowed, revoked: try m.optional("revoked")?.bool() ?? false)
    }

    static func hexBytes(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}

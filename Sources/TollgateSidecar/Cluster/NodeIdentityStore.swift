import Glibc
import TollgateSync

/// A sidecar's cluster identity: a stable node id plus an epoch bumped on every start, so a
/// restarted process is never mistaken for its former self (whose leases stay charged).
///
/// Node id: `--node-id`, else `TOLLGATE_NODE_ID` (the pod UID via the downward API), else an id
/// generated once and kept in `<data-dir>/node-id`, else a fresh random id. Epoch: one more than
/// the one kept in `<data-dir>/epoch`, or the start time in milliseconds without a data dir
/// (restarts are seconds apart, so it still grows).
enum NodeIdentityStore {
    static func resolve(flag: String?, env: String?, dataDir: String?, wallMillis: UInt64,
                        random: () -> UInt64) throws(ConfigError) -> NodeIdentity {
        var id = flag ?? env
        if let v = id, !isValidID(v) { throw ConfigError("node id '\(v)' must be 1-128 characters of letters, digits and -_.:@") }
        var epoch = wallMillis
        if let dir = dataDir {
            mkdir(dir, 0o700)
            if id == nil {
                if let stored = ClusterFiles.readText(dir + "/node-id"), isValidID(stored) {
                    id = stored
                } else {
                    let fresh = generatedID(random())
                    guard ClusterFiles.write(dir + "/node-id", Array((fresh + "\n").utf8)) else {
                        throw ConfigError("--data-dir: cannot write \(dir)/node-id")
                    }
                    id = fresh
                }
            }
            let previous = ClusterFiles.readText(dir + "/epoch").flatMap { UInt64($0) } ?? 0
            epoch = nextEpoch(previous: previous)
            guard ClusterFiles.write(dir + "/epoch", Array("\(epoch)\n".utf8)) else {
                throw ConfigError("--data-dir: cannot write \(dir)/epoch")
            }
        }
        return NodeIdentity(nodeID: id ?? generatedID(random()), epoch: epoch)
    }

    static func nextEpoch(previous: UInt64) -> UInt64 { previous &+ 1 == 0 ? 1 : previous + 1 }

    static func generatedID(_ r: UInt64) -> String {
        let hex = String(r, radix: 16)
        return "node-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }

    static func isValidID(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 128 && s.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95 || c == 46 || c == 58 || c == 64
        }
    }
}

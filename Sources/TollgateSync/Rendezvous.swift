/// Rendezvous (highest-random-weight) hashing of budget scopes over the coordinator set: every
/// node computes the same owner from the same configured set, and removing a coordinator moves
/// only its own keys.
public enum Rendezvous {
    /// The owner of `scope` among `coordinators` (nil when the set is empty).
    public static func owner(of scope: String, among coordinators: [String]) -> String? {
        var best: (UInt64, String)?
        for c in coordinators {
            let w = weight(scope, c)
            if best == nil || w > best!.0 || (w == best!.0 && c < best!.1) { best = (w, c) }
        }
        return best?.1
    }

    /// Coordinators ranked by weight for `scope`, owner first (successors after).
    public static func ranked(_ scope: String, among coordinators: [String]) -> [String] {
        coordinators.map { (weight(scope, $0), $0) }.sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }.map(\.1)
    }

    static func weight(_ scope: String, _ node: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in scope.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        h = (h ^ 0xFF) &* 0x0000_0100_0000_01B3
        for b in node.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        // finalize (murmur3 fmix64) so close names spread
        h ^= h >> 33; h &*= 0xFF51_AFD7_ED55_8CCD; h ^= h >> 33; h &*= 0xC4CE_B9FE_1A85_EC53; h ^= h >> 33
        return h
    }
}

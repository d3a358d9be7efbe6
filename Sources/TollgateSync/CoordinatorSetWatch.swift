/// Turns periodic DNS answers for the coordinator set (the addresses of a Kubernetes headless
/// Service, or `--peers` names) into `Coordinator.setCoordinators` calls with agreeing terms.
/// Pure: the caller resolves (off its event loop) and passes the answer and the time.
///
/// Coordinators re-resolve independently, so they must pick the same term for the same change
/// without talking to each other:
/// * A changed answer bumps the term by one, unless a sidecar already showed this coordinator a
///   later term (`fencedTerm`): another coordinator adopted the change first, and this one takes
///   that term for it, so all of them land on the same term.
/// * A coordinator fenced by a later term whose own answer has not changed for `stableAfter`
///   takes that term for the set it resolves (it started after the change, or its count of
///   changes differs). `stableAfter` is longer than the set-change spread, so by then every
///   coordinator resolves the same set (the protocol's propagation assumption).
/// * An empty or failed answer changes nothing: DNS trouble never empties the set.
public struct CoordinatorSetWatch: Sendable, Hashable {
    public private(set) var members: [String]
    public private(set) var term: UInt64
    public let stableAfter: Int64
    private(set) var changedAt: Int64

    public init(members: [String], term: UInt64 = 0, now: Int64, stableAfter: Int64) {
        self.members = Array(Set(members)).sorted()
        self.term = term
        self.stableAfter = stableAfter
        changedAt = now
    }

    /// A fresh answer. Returns the set and term to adopt, or nil when nothing changes.
    public mutating func observe(_ resolved: [String], fencedTerm: UInt64, now: Int64) -> (members: [String], term: UInt64)? {
        let r = Array(Set(resolved)).sorted()
        guard !r.isEmpty else { return nil }
        if r != members {
            members = r
            term = fencedTerm > term ? fencedTerm : term + 1
            changedAt = now
            return (members, term)
        }
        if fencedTerm > term && now - changedAt >= stableAfter {
            term = fencedTerm
            changedAt = now
            return (members, term)
        }
        return nil
    }
}

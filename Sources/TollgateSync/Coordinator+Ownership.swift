/// Key ownership across coordinator-set changes, and fencing of superseded owners.
///
/// The coordinator set has a term, bumped by whoever changes it (configuration: a coordinator
/// added, or removed after being down longer than the operator's threshold). Every coordinator
/// adopts a later set when told (`setCoordinators`); sidecars adopt it from any coordinator's
/// budget definitions or by gossip, and carry their term in lease requests and usage reports.
///
/// * A coordinator that gains a key under a new set learns that key for one lease expiry period
///   plus the set's propagation bound (`coordinatorExpiry + setChangeSpread`) before granting
///   it: the old owner adopts the set (and stops) within the spread, its last grants expire
///   within the expiry period, and every live holder, custodian and restarted WAL reports to the
///   key's new owner within that time, exactly as after a restart.
/// * A coordinator that loses a key stops granting it at once (`owns` follows the set).
/// * A coordinator that sees a later term than its own (a sidecar's request or report) knows its
///   set is superseded and grants nothing until it adopts that term: it cannot know what it
///   still owns.
/// * Grants carry the issuer's term; a sidecar on a later term hands a grant from an earlier one
///   straight back (returned, never spent), and under its own term accepts grants only from the
///   key's owner.
///
/// So grants of the old owner stop either when it adopts the set or when the first sidecar on
/// the new term reaches it, and any it still issued go only to sidecars that will report them to
/// the new owner on adopting the set. Overspend stays 0 when every coordinator adopts a new set
/// within `setChangeSpread` of the first; beyond that, the bound is what the old owner granted
/// after the new owner's learning ended to sidecars not yet on the new term.
extension Coordinator {
    /// Adopts a later coordinator set. Keys gained enter learning; keys lost stop granting.
    public mutating func setCoordinators(_ members: [String], term newTerm: UInt64, now: Int64) {
        guard newTerm > term else { return }
        let before = Set(budgets.keys.filter { owns($0) })
        coordinators = members.sorted()
        term = newTerm
        fencedTerm = max(fencedTerm, newTerm)
        for scope in budgets.keys.sorted() {
            let mine = Rendezvous.owner(of: scope, among: coordinators) == identity.nodeID
            ownsCache[scope] = mine
            if mine && !before.contains(scope) { keyLearningUntil[scope] = now + config.coordinatorExpiry + config.setChangeSpread }
            if !mine { keyLearningUntil[scope] = nil }
        }
        budgetsVersion += 1   // sidecars re-fetch definitions, which carry the new set
    }

    /// A message from a sidecar on a later term: this coordinator's set is superseded.
    mutating func noteTerm(_ t: UInt64) { fencedTerm = max(fencedTerm, t) }

    /// Whether this coordinator knows of a later set than its own (it then grants nothing).
    public var isFenced: Bool { fencedTerm > term }

    /// Whether `scope` is still being learned after this coordinator gained it.
    public func isLearningKey(_ scope: String, now: Int64) -> Bool { (keyLearningUntil[scope] ?? .min) > now }
}

extension Coordinator {
    /// The latest term any sidecar showed this coordinator (its own when not fenced).
    public var fencingTerm: UInt64 { max(fencedTerm, term) }
}

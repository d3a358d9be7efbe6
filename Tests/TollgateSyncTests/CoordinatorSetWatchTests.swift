import Testing
@testable import TollgateSync

struct CoordinatorSetWatchTests {
    static let s = Int64(1_000_000_000)

    /// A changed DNS answer is adopted with the next term; the same answer again, in any order
    /// or with duplicates, changes nothing; an empty answer never empties the set.
    @Test func changeBumpsTermOnce() {
        var w = CoordinatorSetWatch(members: ["a:1", "b:1"], now: 0, stableAfter: 11 * Self.s)
        #expect(w.observe(["b:1", "a:1", "a:1"], fencedTerm: 0, now: 5 * Self.s) == nil)
        #expect(w.observe([], fencedTerm: 0, now: 6 * Self.s) == nil)
        let adopt = w.observe(["c:1", "a:1", "b:1"], fencedTerm: 0, now: 10 * Self.s)
        #expect(adopt?.members == ["a:1", "b:1", "c:1"] && adopt?.term == 1)
        #expect(w.observe(["a:1", "b:1", "c:1"], fencedTerm: 1, now: 15 * Self.s) == nil)
        #expect(w.observe(["a:1", "c:1"], fencedTerm: 1, now: 20 * Self.s)?.term == 2)
        #expect(w.members == ["a:1", "c:1"])
    }

    /// Two coordinators seeing the same change land on one term: the later one, already fenced
    /// by the first one's term through a sidecar, takes that term instead of bumping past it.
    @Test func laterObserverTakesTheFencingTerm() {
        var first = CoordinatorSetWatch(members: ["a:1", "b:1"], now: 0, stableAfter: 11 * Self.s)
        var second = first
        let t1 = first.observe(["a:1", "b:1", "c:1"], fencedTerm: 0, now: Self.s)!.term
        let t2 = second.observe(["a:1", "b:1", "c:1"], fencedTerm: t1, now: 4 * Self.s)!.term
        #expect(t1 == 1 && t2 == t1)
    }

    /// A fenced coordinator whose answer has not changed (it started after the change) takes the
    /// fencing term for its set once the answer has been stable for `stableAfter`, not before.
    @Test func fencedAndStableAdoptsTheTerm() {
        var w = CoordinatorSetWatch(members: ["a:1", "c:1"], now: 0, stableAfter: 11 * Self.s)
        #expect(w.observe(["a:1", "c:1"], fencedTerm: 3, now: 5 * Self.s) == nil)
        let adopt = w.observe(["c:1", "a:1"], fencedTerm: 3, now: 11 * Self.s)
        #expect(adopt?.members == ["a:1", "c:1"] && adopt?.term == 3)
        #expect(w.observe(["a:1", "c:1"], fencedTerm: 3, now: 30 * Self.s) == nil)
    }

    /// Fed to coordinators, a change moves ownership: the set and term reach `Coordinator`,
    /// which learns the keys it gains and stops being fenced once it has the term.
    @Test func drivesCoordinatorSetChange() {
        var c = Coordinator(identity: NodeIdentity(nodeID: "b:1", epoch: 1), coordinators: ["a:1"], budgets: [], now: 0, learning: false)
        var w = CoordinatorSetWatch(members: ["a:1"], term: c.term, now: 0, stableAfter: 11 * Self.s)
        c.noteTerm(2)
        #expect(c.isFenced)
        let adopt = w.observe(["a:1", "b:1"], fencedTerm: c.fencingTerm, now: Self.s)!
        c.setCoordinators(adopt.members, term: adopt.term, now: Self.s)
        #expect(c.term == 2 && !c.isFenced && c.coordinators == ["a:1", "b:1"])
    }
}

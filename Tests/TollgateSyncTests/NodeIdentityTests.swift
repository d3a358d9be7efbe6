import Testing
@testable import TollgateSync

struct NodeIdentityTests {
    /// A restarted node (new epoch) is a different identity.
    @Test func epochDistinguishes() {
        let a = NodeIdentity(nodeID: "pod-1", epoch: 1)
        let b = NodeIdentity(nodeID: "pod-1", epoch: 2)
        #expect(a != b)
        #expect(a < b)
    }
}

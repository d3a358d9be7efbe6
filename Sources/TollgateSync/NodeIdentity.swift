/// A sidecar's identity in the cluster: a stable node id (pod UID or a generated id kept in the
/// data dir) plus an epoch bumped on every start, so a restarted node is never its former self.
public struct NodeIdentity: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nodeID: String
    public var epoch: UInt64

    public init(nodeID: String, epoch: UInt64) {
        self.nodeID = nodeID
        self.epoch = epoch
    }

    public static func < (a: NodeIdentity, b: NodeIdentity) -> Bool {
        (a.nodeID, a.epoch) < (b.nodeID, b.epoch)
    }

    public var description: String { "\(nodeID)#\(epoch)" }
}

/// Read-only figures for the coordinator's admin API and metrics.
extension Coordinator {
    /// A sidecar that reported: its node id, epoch and when (coordinator clock).
    public struct Reporter: Sendable, Hashable {
        public var nodeID: String
        public var epoch: UInt64
        public var at: Int64
    }

    /// Sidecars that reported, newest report first per node.
    public var reportingSidecars: [Reporter] {
        reporters.map { Reporter(nodeID: $0.key, epoch: $0.value.epoch, at: $0.value.at) }.sorted { $0.nodeID < $1.nodeID }
    }

    /// Escrow granted and not reported spent or returned (`charge - spent` summed over holders).
    public func outstanding(_ key: BudgetKey) -> Int64 { ledger.totalCharge(key) - ledger.totalSpent(key) }
}

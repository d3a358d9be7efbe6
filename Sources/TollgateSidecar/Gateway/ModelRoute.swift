import TollgateRouting

/// A model alias at run time: the deployments that serve it and how to order them.
final class ModelRoute: Sendable {
    let alias: String
    let strategy: DeploymentPicker.Strategy
    let deployments: [UpstreamEndpoint]

    init(alias: String, strategy: DeploymentPicker.Strategy, deployments: [UpstreamEndpoint]) {
        self.alias = alias
        self.strategy = strategy
        self.deployments = deployments
    }

    /// The deployments in the order one request should try them.
    func order<R: RandomNumberGenerator>(now: UInt64, using random: inout R) -> [UpstreamEndpoint] {
        if deployments.count == 1 { return deployments }
        let candidates = deployments.enumerated().map { i, d in
            DeploymentPicker.Candidate(index: i, weight: d.weight, inflight: d.health.inflight, available: d.health.isAvailable(now: now))
        }
        return DeploymentPicker.order(candidates, strategy: strategy, using: &random).map { deployments[$0] }
    }
}
